package talent

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/reqctx"
)

// TalentView is a talent record as the API shows it to the caller, with only the personal fields
// the caller's role reads (TalentFieldsOf): the identity number whole only for admin and
// talent_office, masked for everyone else; the birth date whole for the same roles, only its year
// for the others.
type TalentView struct {
	ID              int64        `json:"id"`
	EnterpriseID    *int64       `json:"enterprise_id"`
	Status          Status       `json:"status"`
	Name            string       `json:"name"`
	Gender          Gender       `json:"gender"`
	BirthDate       *civil.Date  `json:"birth_date,omitempty" doc:"For admin and talent_office only: with the masked identity number it would give the whole number back"`
	BirthYear       int          `json:"birth_year"`
	IDNumber        string       `json:"id_number" doc:"Whole for admin and talent_office, otherwise masked (500227********1234)"`
	Mobile          string       `json:"mobile,omitempty" doc:"For the roles that contact the person"`
	Email           string       `json:"email,omitempty" doc:"For the roles that contact the person"`
	Position        string       `json:"position"`
	Education       Education    `json:"education"`
	School          string       `json:"school"`
	Major           string       `json:"major"`
	GraduationYear  *int         `json:"graduation_year"`
	Title           Title        `json:"title"`
	SkillLevel      SkillLevel   `json:"skill_level"`
	Honours         []HonourItem `json:"honours"`
	AnnualSalaryFen *int64       `json:"annual_salary_fen,omitempty" doc:"For the office and the person's HR"`
	Field           string       `json:"field"`
	ArrivedOn       civil.Date   `json:"arrived_on"`
	Notes           string       `json:"notes,omitempty" doc:"For the office and the person's HR"`
	Grade           *Grade       `json:"grade" doc:"Decided on registration by the policy in force (or overridden by the office)"`
	GradeRules      []string     `json:"grade_rules" doc:"Codes of the rules that gave the grade"`
	GradeOverridden bool         `json:"grade_overridden"`
	ReviewComment   string       `json:"review_comment,omitempty" doc:"The office's comments when it returned or rejected the record (for the office and the person's HR)"`
	SubmittedAt     *time.Time   `json:"submitted_at,omitempty"`
	RegisteredAt    *time.Time   `json:"registered_at,omitempty"`
	LeftAt          *time.Time   `json:"left_at,omitempty"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	HasPhoto        bool         `json:"has_photo" doc:"Whether the record has a photo"`
	PhotoURL        string       `json:"photo_url,omitempty" doc:"Where to fetch the photo, when there is one"`
	Assessment      *Assessment  `json:"assessment,omitempty" doc:"What the policy in force says of the record today: grade and why"`
}

// HonourItem is an honour as the API reads and writes it.
type HonourItem struct {
	Code  HonourCode `json:"code"`
	Level string     `json:"level,omitempty" maxLength:"50" doc:"e.g. 国家级, 一等奖"`
	Year  int        `json:"year,omitempty" minimum:"1950" maximum:"2100"`
}

func honourItems(hs []Honour) []HonourItem {
	out := make([]HonourItem, len(hs))
	for i, h := range hs {
		out[i] = HonourItem{Code: HonourCode(h.Code), Level: h.Level, Year: h.Year}
	}
	return out
}

func honoursOf(items []HonourItem) []Honour {
	if items == nil {
		return nil
	}
	out := make([]Honour, len(items))
	for i, h := range items {
		out[i] = Honour{Code: string(h.Code), Level: h.Level, Year: h.Year}
	}
	return out
}

func (s *Service) view(p auth.Principal, t Talent, hasPhoto bool) TalentView {
	rules := []string(t.GradeRules)
	if rules == nil {
		rules = []string{}
	}
	v := TalentView{ID: t.ID, EnterpriseID: t.EnterpriseID, Status: t.Status, Name: t.Name, Gender: Gender(t.Gender),
		BirthYear: t.BirthDate.Time().Year(), IDNumber: s.IDNumberFor(p, t), Position: t.Position,
		Education: Education(t.Education), School: t.School, Major: t.Major, GraduationYear: t.GraduationYear,
		Title: Title(t.Title), SkillLevel: SkillLevel(t.SkillLevel), Honours: honourItems(t.Honours), Field: t.Field,
		ArrivedOn: t.ArrivedOn, Grade: t.Grade, GradeRules: rules, GradeOverridden: t.GradeOverridden,
		SubmittedAt: t.SubmittedAt, RegisteredAt: t.RegisteredAt, LeftAt: t.LeftAt,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, HasPhoto: hasPhoto}
	if hasPhoto {
		v.PhotoURL = photoURL(t.ID)
	}
	fields := TalentFieldsOf(p.Role)
	if fields.BirthDate {
		birth := t.BirthDate
		v.BirthDate = &birth
	}
	if fields.Contact {
		v.Mobile, v.Email = t.Mobile, t.Email
	}
	if fields.Salary {
		salary := t.AnnualSalaryFen
		v.AnnualSalaryFen = &salary
	}
	if fields.Notes {
		v.Notes, v.ReviewComment = t.Notes, t.ReviewComment
	}
	return v
}

// detailedOf adapts a service call's (record, error) result into the single-record response.
func (s *Service) detailedOf(ctx context.Context) func(Talent, error) (*talentOutput, error) {
	return func(t Talent, err error) (*talentOutput, error) {
		if err != nil {
			return nil, err
		}
		return s.detailed(ctx, t)
	}
}

// ifMatched makes the change with the version If-Match names and answers with the record it
// leaves.
func (s *Service) ifMatched(ctx context.Context, ifMatch string, change func(version int) (Talent, error)) (*talentOutput, error) {
	version, err := etag.Version(ifMatch)
	if err != nil {
		return nil, err
	}
	return s.detailedOf(ctx)(change(version))
}

// detailed is the view of one record with its current assessment, in the reader's language.
func (s *Service) detailed(ctx context.Context, t Talent) (*talentOutput, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	hasPhoto, err := HasPhoto(ctx, s.db, t.ID)
	if err != nil {
		return nil, translateTalent(err, "read photo")
	}
	v := s.view(p, t, hasPhoto)
	if a, err := s.Assess(ctx, t); err == nil {
		a = a.localized(reqctx.Lang(ctx))
		v.Assessment = &a
	}
	return &talentOutput{ETag: etag.Of(t.Version), Body: v}, nil
}

// TalentBodyFields are the members of a talent record's request body besides the identity
// number. Shapes are checked here; checksums, vocabularies and cross-field rules in the service.
type TalentBodyFields struct {
	Name            string       `json:"name" minLength:"1" maxLength:"50" example:"张伟"`
	Gender          Gender       `json:"gender,omitempty" doc:"Defaults to the gender in the identity number, and must agree with it"`
	BirthDate       civil.Date   `json:"birth_date,omitempty" doc:"Defaults to the birth date in the identity number, and must agree with it"`
	Mobile          string       `json:"mobile,omitempty" maxLength:"11" doc:"Mainland mobile number" example:"13812345678"`
	Email           string       `json:"email,omitempty" maxLength:"100" format:"email"`
	EnterpriseID    *int64       `json:"enterprise_id,omitempty" minimum:"1" doc:"The employer, if any; HR may only name its own (or leave it out)"`
	Position        string       `json:"position,omitempty" maxLength:"100"`
	Education       Education    `json:"education"`
	School          string       `json:"school,omitempty" maxLength:"100"`
	Major           string       `json:"major,omitempty" maxLength:"100"`
	GraduationYear  int          `json:"graduation_year,omitempty" minimum:"1940" maximum:"2100"`
	Title           Title        `json:"title,omitempty" doc:"Defaults to none"`
	SkillLevel      SkillLevel   `json:"skill_level,omitempty" doc:"Defaults to none"`
	Honours         []HonourItem `json:"honours,omitempty" maxItems:"20"`
	AnnualSalaryFen int64        `json:"annual_salary_fen,omitempty" minimum:"0" doc:"Annual salary in fen (分): ¥300,000 is 30000000"`
	Field           string       `json:"field,omitempty" maxLength:"100" doc:"Field or industry"`
	ArrivedOn       civil.Date   `json:"arrived_on,omitempty" doc:"Date of arrival in the district"`
	Notes           string       `json:"notes,omitempty" maxLength:"2000"`
}

func (b TalentBodyFields) input(idNumber string) TalentInput {
	return TalentInput{Name: b.Name, Gender: string(b.Gender), BirthDate: b.BirthDate, IDNumber: idNumber,
		Mobile: b.Mobile, Email: b.Email, EnterpriseID: b.EnterpriseID, Position: b.Position,
		Education: string(b.Education), School: b.School, Major: b.Major, GraduationYear: b.GraduationYear,
		Title: string(b.Title), SkillLevel: string(b.SkillLevel), Honours: honoursOf(b.Honours),
		AnnualSalaryFen: b.AnnualSalaryFen, Field: b.Field, ArrivedOn: b.ArrivedOn, Notes: b.Notes}
}

// talentBody is the wire shape of a talent record to create: the identity number whole.
type talentBody struct {
	TalentBodyFields
	IDNumber string `json:"id_number" minLength:"18" maxLength:"18" pattern:"^[0-9]{17}[0-9Xx]$" doc:"Resident identity number (居民身份证号码), GB 11643 checksum" example:"11010519491231002X"`
}

func (b talentBody) input() TalentInput { return b.TalentBodyFields.input(b.IDNumber) }

// talentReplaceBody is the wire shape of a talent record that replaces the stored one.
type talentReplaceBody struct {
	TalentBodyFields
	IDNumber string `json:"id_number,omitempty" minLength:"18" maxLength:"18" pattern:"^[0-9*]{17}[0-9Xx*]$" doc:"Leave out, or send back masked as you read it (500227********123X), to keep the stored number; a whole new number (GB 11643 checksum) replaces it"`
}

func (b talentReplaceBody) input() TalentInput { return b.TalentBodyFields.input(b.IDNumber) }

type createTalentInput struct {
	Body talentBody
}

type talentOutput struct {
	ETag string `header:"ETag"`
	Body TalentView
}

type talentIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type updateTalentInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag you read: the update is refused with 412 if the record changed since"`
	Body    talentReplaceBody
}

type reasonInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Shown to HR on the record and in its history"`
	}
}

type reregisterInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body *struct {
		EnterpriseID *int64 `json:"enterprise_id,omitempty" minimum:"1" doc:"The new employer, when the person changed employer"`
	}
}

type overrideInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Grade  Grade  `json:"grade"`
		Reason string `json:"reason" minLength:"1" maxLength:"500"`
	}
}

type historyOutput struct {
	Body History
}

// TalentQuery is the filter of a talent listing and export.
type TalentQuery struct {
	Grade          Grade      `query:"grade"`
	Status         Status     `query:"status"`
	EnterpriseID   int64      `query:"enterprise_id" minimum:"0"`
	Employed       string     `query:"employed" enum:"true,false" doc:"true: employed by an enterprise; false: not"`
	Education      Education  `query:"education"`
	Title          Title      `query:"title"`
	Honour         HonourCode `query:"honour"`
	Q              string     `query:"q" maxLength:"50" doc:"Part of the name, or a whole identity number"`
	RegisteredFrom civil.Date `query:"registered_from" doc:"Registered on or after this date"`
	RegisteredTo   civil.Date `query:"registered_to" doc:"Registered on or before this date"`
	Sort           string     `query:"sort" enum:"id,-id,name,registered_at,-registered_at,submitted_at,-submitted_at" default:"id" doc:"submitted_at: the review queue, longest waiting first (records never submitted last); -submitted_at: newest submissions first"`
}

func (q TalentQuery) filter() TalentFilter {
	return TalentFilter{Grade: string(q.Grade), Status: string(q.Status), EnterpriseID: q.EnterpriseID,
		Employed: q.Employed, Education: string(q.Education), Title: string(q.Title), Honour: string(q.Honour),
		Query: q.Q, RegisteredFrom: q.RegisteredFrom, RegisteredTo: q.RegisteredTo, Sort: q.Sort}
}

type listTalentsInput struct {
	TalentQuery
	page.Query
}

// TalentListItem is a record as a listing shows it: its view without the assessment, with its
// employer's name and, while it is on its way to registration, what the policy in force suggests.
type TalentListItem struct {
	TalentView
	EnterpriseName string `json:"enterprise_name,omitempty" doc:"The employer's name"`
	SuggestedGrade *Grade `json:"suggested_grade,omitempty" doc:"For a record not yet registered (draft, submitted, returned): the grade the policy in force gives its attributes today; absent when no rule matches"`
	SuggestedRule  string `json:"suggested_rule,omitempty" doc:"The first rule, in the policy's order, that gives the suggested grade"`
}

type listTalentsOutput struct {
	Body struct {
		page.Of[TalentListItem]
		Total int `json:"total" doc:"How many records match the filter"`
	}
}

// Roles that read the registry. HR reads its own enterprise's records only.
var talentReaders = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR,
	auth.RoleHousingOffice, auth.RoleFinance, auth.RoleCommissioner}

// registerTalents adds the talent-record operations to api.
func registerTalents(api huma.API, s *Service) {
	tags := []string{"Talent registry"}
	editors, office := editorRoles, officeRoles

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-talent", Method: http.MethodPost, Path: "/v1/talents", Tags: tags,
		Summary:       "Register a talent (draft)",
		Description:   "Creates a draft record. One person is one record: an identity number already in the registry is refused with 409 naming only the existing record's status.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
	}, editors...), func(ctx context.Context, in *createTalentInput) (*talentOutput, error) {
		return s.detailedOf(ctx)(s.CreateTalent(ctx, in.Body.input()))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-talent", Method: http.MethodGet, Path: "/v1/talents/{id}", Tags: tags,
		Summary: "Get a talent record", Description: "With the current assessment: the grade the policy in force gives today, and why.",
		Errors: []int{http.StatusNotFound},
	}, talentReaders...), func(ctx context.Context, in *talentIDInput) (*talentOutput, error) {
		return s.detailedOf(ctx)(s.GetTalent(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-talent", Method: http.MethodPut, Path: "/v1/talents/{id}", Tags: tags,
		Summary:     "Update a talent record",
		Description: "HR edits drafts and returned records; the office may also correct submitted and registered ones (a registered grade stays as decided).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, editors...), func(ctx context.Context, in *updateTalentInput) (*talentOutput, error) {
		return s.ifMatched(ctx, in.IfMatch, func(version int) (Talent, error) {
			return s.UpdateTalent(ctx, in.ID, version, in.Body.input())
		})
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-talents", Method: http.MethodGet, Path: "/v1/talents", Tags: tags,
		Summary: "Search talent records",
		Description: "Filtered and sorted, one page at a time, with the total count. HR sees its own enterprise only. " +
			"The review queue is `status=submitted&sort=submitted_at`: longest waiting first. Each item names its employer " +
			"and, while not yet registered, the grade the policy in force suggests.",
	}, talentReaders...), func(ctx context.Context, in *listTalentsInput) (*listTalentsOutput, error) {
		p, err := auth.MustPrincipal(ctx)
		if err != nil {
			return nil, err
		}
		res, err := s.ListTalents(ctx, in.TalentQuery.filter(), in.Cursor, in.Size())
		if err != nil {
			return nil, err
		}
		out := &listTalentsOutput{}
		out.Body.Items = make([]TalentListItem, len(res.Items))
		for i, t := range res.Items {
			item := TalentListItem{TalentView: s.view(p, t, res.WithPhoto[t.ID])}
			if t.EnterpriseID != nil {
				item.EnterpriseName = res.EnterpriseNames[*t.EnterpriseID]
			}
			if a, ok := res.Suggested[t.ID]; ok && a.Eligible {
				grade := a.Grade
				item.SuggestedGrade, item.SuggestedRule = &grade, a.Rules[0]
			}
			out.Body.Items[i] = item
		}
		out.Body.NextCursor, out.Body.Total = res.NextCursor, res.Total
		return out, nil
	})

	transition := func(id, path, summary, desc string, roles []auth.Role, fn func(ctx context.Context, id int64) (Talent, error)) {
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: id, Method: http.MethodPost, Path: "/v1/talents/{id}/" + path, Tags: tags,
			Summary: summary, Description: desc,
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, roles...), func(ctx context.Context, in *talentIDInput) (*talentOutput, error) {
			return s.detailedOf(ctx)(fn(ctx, in.ID))
		})
	}
	withReason := func(id, path, summary, desc string, roles []auth.Role, fn func(ctx context.Context, id int64, reason string) (Talent, error)) {
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: id, Method: http.MethodPost, Path: "/v1/talents/{id}/" + path, Tags: tags,
			Summary: summary, Description: desc,
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, roles...), func(ctx context.Context, in *reasonInput) (*talentOutput, error) {
			return s.detailedOf(ctx)(fn(ctx, in.ID, in.Body.Reason))
		})
	}
	transition("submit-talent", "submit", "Submit for review", "From draft or returned; the record must be eligible under the policy in force.", editors, s.Submit)
	transition("approve-talent", "approve", "Approve (register)", "Registers a submitted record and decides its grade by the policy in force.", office, s.Approve)
	withReason("return-talent", "return", "Return for correction", "Sends a submitted record back to HR with comments.", office, s.Return)
	withReason("reject-talent", "reject", "Reject", "Refuses a submitted record, with the reason.", office, s.Reject)
	withReason("leave-talent", "leave", "Mark as left", "A registered talent left the district or the employer.", editors, s.Leave)

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "reregister-talent", Method: http.MethodPost, Path: "/v1/talents/{id}/reregister", Tags: tags,
		Summary:     "Re-register",
		Description: "Reopens a record that left or was rejected as a draft, optionally for a new employer, to go through review again.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, office...), func(ctx context.Context, in *reregisterInput) (*talentOutput, error) {
		var ent *int64
		if in.Body != nil {
			ent = in.Body.EnterpriseID
		}
		return s.detailedOf(ctx)(s.Reregister(ctx, in.ID, ent))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "override-talent-grade", Method: http.MethodPost, Path: "/v1/talents/{id}/grade-override", Tags: tags,
		Summary:     "Override the grade",
		Description: "Sets a registered talent's grade by hand. Needs a reason; audited; shown as an override and kept through later policy publications.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, office...), func(ctx context.Context, in *overrideInput) (*talentOutput, error) {
		return s.detailedOf(ctx)(s.OverrideGrade(ctx, in.ID, in.Body.Grade, in.Body.Reason))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-talent-history", Method: http.MethodGet, Path: "/v1/talents/{id}/history", Tags: tags,
		Summary: "Review history", Description: "Every workflow step and every grade decision (with its policy version and attribute snapshot).",
		Errors: []int{http.StatusNotFound},
	}, talentReaders...), func(ctx context.Context, in *talentIDInput) (*historyOutput, error) {
		h, err := s.TalentHistory(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &historyOutput{Body: h}, nil
	})
}
