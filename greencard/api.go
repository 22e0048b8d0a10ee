package greencard

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// Register adds the green card operations to api.
func Register(api huma.API, s *Service) {
	registerCards(api, s)
	registerVerify(api, s)
	registerKeys(api, s)
	registerRevocations(api, s)
	registerCatalogue(api, s)
	registerUses(api, s)
	registerRequests(api, s)
	registerPrinting(api, s)
}

// greencardReasonBody is the body of a change that must say why.
type greencardReasonBody struct {
	Reason string `json:"reason" minLength:"1" maxLength:"200" example:"遗失补办"`
}

// idReasonInput names an object by its id, with the reason for a change to it.
type idReasonInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body greencardReasonBody
}

type talentIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type serialInput struct {
	Serial string `path:"serial" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$"`
}

// conditionalSerialInput names a card and the entity tag of the copy the client has.
type conditionalSerialInput struct {
	Serial      string `path:"serial" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"100"`
}

// binaryOutput is a response that is not JSON: an image or a page.
type binaryOutput struct {
	ContentType  string `header:"Content-Type"`
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

// binaryResponse documents an operation that answers with bytes of the media type.
func binaryResponse(description, mediaType string, schema *huma.Schema) map[string]*huma.Response {
	return map[string]*huma.Response{"200": {Description: description,
		Content: map[string]*huma.MediaType{mediaType: {Schema: schema}}}}
}

// periodInput is a reporting period of whole days in district time.
type periodInput struct {
	From civil.Date `query:"from" doc:"First day (default: 1 January of this year)"`
	To   civil.Date `query:"to" doc:"Last day (default: today)"`
}

// resolve fills the defaults and returns the days and the instants [start, end) they span.
func (p periodInput) resolve(today civil.Date) (from, to civil.Date, start, end time.Time, err error) {
	from, to = p.From, p.To
	if from.IsZero() {
		from = civil.New(today.Time().Year(), 1, 1)
	}
	if to.IsZero() {
		to = today
	}
	if to.Before(from) {
		return from, to, start, end, errs.Fields(errs.Field("query.to", "before_from", "结束日期不能早于开始日期",
			"must not be before from", to.String()))
	}
	// From the district's midnight that begins the first day to the one that ends the last.
	return from, to, midnight(from), midnight(to).AddDate(0, 0, 1), nil
}
