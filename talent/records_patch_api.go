package talent

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/civil"
)

// talentPatchBody is the wire shape of a merge patch of a talent record (RFC 7396): every member
// optional; null clears the optional ones. It remembers which members were sent, null or not,
// since a merge patch means something different by a member left out and one sent as null.
type talentPatchBody struct {
	Name            *string      `json:"name,omitempty" minLength:"1" maxLength:"50" doc:"Cannot be cleared"`
	Gender          *Gender      `json:"gender,omitempty" nullable:"true" doc:"null: as the identity number says"`
	BirthDate       *civil.Date  `json:"birth_date,omitempty" nullable:"true" doc:"null: as the identity number says"`
	IDNumber        *string      `json:"id_number,omitempty" minLength:"18" maxLength:"18" pattern:"^[0-9*]{17}[0-9Xx*]$" doc:"Left out, null, or sent back masked as you read it (500227********123X): the stored number is kept. A whole new number (GB 11643 checksum) replaces it"`
	Mobile          *string      `json:"mobile,omitempty" nullable:"true" maxLength:"11" doc:"Mainland mobile number"`
	Email           *string      `json:"email,omitempty" nullable:"true" maxLength:"100" format:"email"`
	EnterpriseID    *int64       `json:"enterprise_id,omitempty" nullable:"true" minimum:"1" doc:"HR may only name its own enterprise; null: no employer (the office only)"`
	Position        *string      `json:"position,omitempty" nullable:"true" maxLength:"100"`
	Education       *Education   `json:"education,omitempty" doc:"Cannot be cleared"`
	School          *string      `json:"school,omitempty" nullable:"true" maxLength:"100"`
	Major           *string      `json:"major,omitempty" nullable:"true" maxLength:"100"`
	GraduationYear  *int         `json:"graduation_year,omitempty" nullable:"true" minimum:"1940" maximum:"2100"`
	Title           *Title       `json:"title,omitempty" nullable:"true" doc:"null: none"`
	SkillLevel      *SkillLevel  `json:"skill_level,omitempty" nullable:"true" doc:"null: none"`
	Honours         []HonourItem `json:"honours,omitempty" nullable:"true" maxItems:"20" doc:"Replaces the whole list; null or [] clears it"`
	AnnualSalaryFen *int64       `json:"annual_salary_fen,omitempty" nullable:"true" minimum:"0" doc:"Annual salary in fen (分)"`
	Field           *string      `json:"field,omitempty" nullable:"true" maxLength:"100"`
	ArrivedOn       *civil.Date  `json:"arrived_on,omitempty" nullable:"true"`
	Notes           *string      `json:"notes,omitempty" nullable:"true" maxLength:"2000"`

	sent map[string]bool // the members the patch names, null ones included
}

// UnmarshalJSON reads the members and notes which ones were sent. The schema has refused unknown
// members already; their names are folded to lower case as the JSON decoder matches them.
func (b *talentPatchBody) UnmarshalJSON(data []byte) error {
	type members talentPatchBody // the same fields, without this method
	var m members
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*b = talentPatchBody(m)
	b.sent = make(map[string]bool, len(raw))
	for name := range raw {
		b.sent[strings.ToLower(name)] = true
	}
	return nil
}

// patch is the service's form of the body.
func (b talentPatchBody) patch() TalentPatch {
	in := TalentInput{Name: deref(b.Name), Gender: string(deref(b.Gender)), BirthDate: deref(b.BirthDate),
		IDNumber: deref(b.IDNumber), Mobile: deref(b.Mobile), Email: deref(b.Email), EnterpriseID: b.EnterpriseID,
		Position: deref(b.Position), Education: string(deref(b.Education)), School: deref(b.School),
		Major: deref(b.Major), GraduationYear: deref(b.GraduationYear), Title: string(deref(b.Title)),
		SkillLevel: string(deref(b.SkillLevel)), Honours: honoursOf(b.Honours), AnnualSalaryFen: deref(b.AnnualSalaryFen),
		Field: deref(b.Field), ArrivedOn: deref(b.ArrivedOn), Notes: deref(b.Notes)}
	return TalentPatch{Values: in, Named: b.sent}
}

// deref is the value p points at, or the zero value for nil (a member left out or sent as null).
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

type patchTalentInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag you read: the change is refused with 412 if the record changed since"`
	Body    talentPatchBody
}

// mergePatchBody documents the body of the PATCH operation under both media types it reads, with
// one schema: huma would otherwise describe only application/json.
func mergePatchBody(api huma.API) *huma.RequestBody {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[talentPatchBody](), true, "TalentPatch")
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/merge-patch+json": {Schema: schema},
		"application/json":             {Schema: schema},
	}}
}

func registerTalentPatch(api huma.API, s *Service) {
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "patch-talent", Method: http.MethodPatch, Path: "/v1/talents/{id}", Tags: []string{"Talent registry"},
		Summary: "Correct fields of a talent record",
		Description: "A JSON merge patch (RFC 7396), sent as `application/merge-patch+json` (plain `application/json` " +
			"is read the same way): only the members sent change, `null` clears an optional member, unknown members are " +
			"refused (422). The identity number left out, or sent back masked as it was shown (any value with `*`), is " +
			"kept; a whole new number replaces it (checksum-validated; one already in the registry is refused with 409). " +
			"The same rules as PUT: HR corrects drafts and returned records of its own enterprise, the office also " +
			"submitted and registered ones; If-Match guards against overwriting; audited with before and after.",
		RequestBody: mergePatchBody(api),
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, editorRoles...), func(ctx context.Context, in *patchTalentInput) (*talentOutput, error) {
		return s.ifMatched(ctx, in.IfMatch, func(version int) (Talent, error) {
			return s.PatchTalent(ctx, in.ID, version, in.Body.patch())
		})
	})
}
