// Package etag turns a row's version counter into an HTTP entity tag and back, so that every
// update operation can honour If-Match the same way (optimistic concurrency: 412 on a stale write).
package etag

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"talentd/internal/errs"
)

// Of returns the strong entity tag of a row version.
func Of(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ErrStale is returned when If-Match names another version than the stored one.
var ErrStale = errs.New(errs.PreconditionFailed, "stale", "您打开这条记录后，已有其他人修改过它；请刷新后重新修改并提交",
	"the object was changed by someone else since you read it (If-Match does not match its ETag); reload it and try again")

// Version parses an If-Match header into the version it requires; 0 means no precondition (the
// header is absent or "*"). A value that is no entity tag of ours can never match: ErrStale.
func Version(ifMatch string) (int, error) {
	v := strings.TrimSpace(ifMatch)
	if v == "" || v == "*" {
		return 0, nil
	}
	v = strings.TrimPrefix(v, "W/")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if n, err := strconv.Atoi(v[1 : len(v)-1]); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, ErrStale
}

// Check returns ErrStale unless want is 0 (no precondition) or equals the stored version.
func Check(want, stored int) error {
	if want != 0 && want != stored {
		return ErrStale
	}
	return nil
}

// OfContent returns the strong entity tag of a representation: a digest of its bytes, for
// responses that have no row version (lists assembled per request, images).
func OfContent(content []byte) string {
	sum := sha256.Sum256(content)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// NoneMatch reports whether an If-None-Match header names tag (weakly compared, as RFC 9110 asks
// for If-None-Match) or is "*": then a GET answers 304 Not Modified.
func NoneMatch(ifNoneMatch, tag string) bool {
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}
