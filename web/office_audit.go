package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"talentd/internal/audit"
	"talentd/internal/errs"
	"talentd/internal/page"
)

// auditFilter is the audit page's filter as the query string carries it.
type auditFilter struct {
	EntityType, EntityID, Action, ActorID, From, To string
}

type auditData struct {
	officeBase
	Filter  auditFilter
	Records []audit.Record
	// Next is the query string of the next page, with the filter.
	Next   template.URL
	Cursor string
}

// auditPageSize is how many records a page of the log shows.
const auditPageSize = 50

// errAuditRange refuses a date range whose end is before its start.
var errAuditRange = errs.Fields(errs.Field("query.to", "range", "截止日期：不能早于起始日期", "must not be before from", nil))

// officeAudit lists the audit log, newest first, filtered by entity, action, actor and dates (the
// "to" date included).
func (s *Site) officeAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{Cursor: q.Get("cursor"), Filter: auditFilter{EntityType: strings.TrimSpace(q.Get("entity_type")),
		EntityID: strings.TrimSpace(q.Get("entity_id")), Action: strings.TrimSpace(q.Get("action")),
		ActorID: strings.TrimSpace(q.Get("actor_id")), From: q.Get("from"), To: q.Get("to")}}
	f := audit.Filter{EntityType: d.Filter.EntityType, EntityID: d.Filter.EntityID, Action: d.Filter.Action}
	err := auditFilterOf(d.Filter, &f)
	var res page.Of[audit.Record]
	if err == nil {
		res, err = s.o.Audit.List(r.Context(), f, page.Query{Cursor: d.Cursor, Limit: auditPageSize})
	}
	if err != nil {
		s.refuse(w, r, err, func(status int, n officeNote) {
			d.officeBase = s.officeBase(r, n)
			s.render(w, r, status, "office_audit", "审计日志", d)
		})
		return
	}
	d.Records = res.Items
	if res.NextCursor != "" {
		next := url.Values{"cursor": {res.NextCursor}}
		for k, v := range map[string]string{"entity_type": f.EntityType, "entity_id": f.EntityID, "action": f.Action,
			"actor_id": d.Filter.ActorID, "from": d.Filter.From, "to": d.Filter.To} {
			if v != "" {
				next.Set(k, v)
			}
		}
		d.Next = template.URL(next.Encode()) // encoded here, safe as it stands
	}
	d.officeBase = s.officeBase(r, officeNote{})
	s.render(w, r, http.StatusOK, "office_audit", "审计日志", d)
}

// auditFilterOf reads the actor and the dates of the page's filter into f.
func auditFilterOf(af auditFilter, f *audit.Filter) error {
	if len(f.EntityType) > 64 || len(f.EntityID) > 64 || len(f.Action) > 64 {
		return errs.Fields(errs.Field("query.entity_type", "too_long", "筛选条件过长", "too long", nil))
	}
	if af.ActorID != "" {
		id, err := strconv.ParseInt(af.ActorID, 10, 64)
		if err != nil || id < 0 {
			return errOutOfRange("query.actor_id", af.ActorID, 0, 1<<30)
		}
		f.ActorID = id
	}
	from, err := formDate(af.From, "query.from")
	if err != nil {
		return err
	}
	to, err := formDate(af.To, "query.to")
	if err != nil {
		return err
	}
	if !from.IsZero() {
		f.From = dayStart(from)
	}
	if !to.IsZero() {
		f.To = dayStart(to).AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return errAuditRange
	}
	return nil
}
