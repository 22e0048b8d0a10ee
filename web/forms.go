package web

import (
	"net/http"
	"strconv"

	"talentd/internal/errs"
)

// The pieces every desk's forms share.

// errFormUnreadable answers a form the server could not read (too long, or not a form).
var errFormUnreadable = errs.New(errs.Invalid, "form_unreadable", "提交的内容有误，请重新填写", "the form could not be read; fill it in again")

// pathID is the path's numeric {name}, or notFound.
func pathID(r *http.Request, name string, notFound error) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// pathNumber is the path's {id} when it is a positive number, else 0 — which no record has, so the
// service answers it as not found.
func pathNumber(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}
