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
)

// TalentView is a talent record as the API shows it to the caller, with only the personal fields
// the caller's role reads (TalentFieldsOf): the identity number whole only for admin and
// talent_office, masked for everyone else; the birth date whole for the same roles, only its year
// for the others.
type TalentView struct {
	ID              int64       `json:"id"`
	EnterpriseID    *int64      `json:"enterprise_id"`
	Status          Status      `json:"status" enum:"draft,submitted,returned,registered,rejected,left"`
	Name            string      `json:"name"`
	Gender          string      `json:"gender" enum:"male,female"`
	BirthDate       *civil.Date `json:"birth_date,omitempty" doc:"For admin and talent_office only: with the masked identity number it would give the whole number back"`
	BirthYear       int         `json:"birth_year"`
	IDNumber        string      `json:"id_number" doc:"Whole for admin and talent_office, otherwise masked (500227********1234)"`
	Mobile          string      `json:"mobile,omitempty" doc:"For the roles that contact the person"`
	Email           string      `json:"email,omitempty" doc:"For the roles that contact the person"`
	Position        string      `json:"position"`
	Education       string      `json:"education"`
	School          string      `json:"school"`
	Major           string      `json:"major"`
	GraduationYear  *int        `json:"graduation_year"`
	Title           string      `json:"title"`
	SkillLevel      string      `json:"skill_level"`
	Honours         []Honour    `json:"honours"`
	AnnualSalaryFen *int64      `json:"annual_salary_fen,omitempty" doc:"For the office and the person's HR"`
	Field           string      `json:"field"`
	ArrivedOn       civil.Date  `json:"arrived_on"`
	Notes           string      `json:"notes,omitempty" doc:"For the office and the person's HR"`
	Grade           *Grade      `json:"grade" doc:"Decided on registration by the policy in force (or overridden by the office)"`
	GradeRules      []string    `json:"grade_rules" doc:"Codes of the rules that gave the grade"`
	GradeOverridden bool        `json:"grade_overridden"`
	ReviewComment   string      `json:"review_comment,omitempty" doc:"The office's comments when it returned or rejected the record (for the office and the person's HR)"`
	SubmittedAt     *time.Time  `json:"submitted_at,omitempty"`
	RegisteredAt    *time.Time  `json:"registered_at,omitempty"`
	LeftAt          *time.Time  `json:"left_at,omitempty"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
	Assessment      *Assessment `json:"assessment,omitempty" doc:"What the policy in force says of the record today: grade and why"`
}

func (s *Service) view(p auth.Principal, t Talent) TalentView {
	honours := []Honour(t.Honours)
	if honours == nil {
		honours = []Honour{}
	}
	rules := []string(t.GradeRules)
	if rules == nil {
		rules = []string{}
	}
	v := TalentView{ID: t.ID, EnterpriseID: t.EnterpriseID, Status: t.Status, Name: t.Name, Gender: t.Gender,
		BirthYear: t.BirthDate.Time().Year(), IDNumber: s.IDNumberFor(p, t), Position: t.Position,
		Education: t.Education, School: t.School, Major: t.Major, GraduationYear: t.GraduationYear, Title: t.Title,
		SkillLevel: t.SkillLevel, Honours: honours, Field: t.Field,
		ArrivedOn: t.ArrivedOn, Grade: t.Grade, GradeRules: rules, GradeOverridden: t.GradeOverridden,
		SubmittedAt: t.SubmittedAt, RegisteredAt: t.RegisteredAt, LeftAt: t.LeftAt,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
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

// detailed is the view of one record with its current assessment.
func (s *Service) detailed(ctx context.Context, t Talent) (*talentOutput, error) {
	p, err := auth.MustPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	v := s.view(p, t)
	if a, err := s.Assess(ctx, t); err == nil {
		v.Assessment = &a
	}
	return &talentOutput{ETag: etag.Of(t.Version), Body: v}, nil
}

// talentBody is the wire shape of a talent record to create or replace. Shapes are checked here;
// checksums and cross-field rules in the service.
type talentBody struct {
	Name            string     `json:"name" minLength:"1" maxLength:"50" example:"张伟"`
	Gender          string     `json:"gender,omitempty" enum:"male,female" doc:"Defaults to the gender in the identity number, and must agree with it"`
	BirthDate       civil.Date `json:"birth_date,omitempty" doc:"Defaults to the birth date in the identity number, and must agree with it"`
	IDNumber        string     `json:"id_number" minLength:"18" maxLength:"18" pattern:"^[0-9]{17}[0-9Xx]$" doc:"Resident identity number (居民身份证号码), GB 11643 checksum" example:"11010519491231002X"`
	Mobile          string     `json:"mobile,omitempty" maxLength:"11" doc:"Mainland mobile number" example:"13812345678"`
	Email           string     `json:"email,omitempty" maxLength:"100" format:"email"`
	EnterpriseID    *int64     `json:"enterprise_id,omitempty" minimum:"1" doc:"The employer, if any; HR may only name its own (or leave it out)"`
	Position        string     `json:"position,omitempty" maxLength:"100"`
	Education       string     `json:"education" enum:"doctorate,master,bachelor,associate,other" doc:"博士 doctorate, 硕士 master, 本科 bachelor, 大专 associate, 其他 other"`
	School          string     `json:"school,omitempty" maxLength:"100"`
	Major           string     `json:"major,omitempty" maxLength:"100"`
	GraduationYear  int        `json:"graduation_year,omitempty" minimum:"1940" maximum:"2100"`
	Title           string     `json:"title,omitempty" enum:"senior_full,senior_associate,intermediate,junior,none" doc:"正高级, 副高级, 中级, 初级, 无"`
	SkillLevel      string     `json:"skill_level,omitempty" enum:"senior_technician,technician,senior_worker,none" doc:"高级技师, 技师, 高级工, 无"`
	Honours         []Honour   `json:"honours,omitempty" maxItems:"20"`
	AnnualSalaryFen int64      `json:"annual_salary_fen,omitempty" minimum:"0" doc:"Annual salary in fen (分): ¥300,000 is 30000000"`
	Field           string     `json:"field,omitempty" maxLength:"100" doc:"Field or industry"`
	ArrivedOn       civil.Date `json:"arrived_on,omitempty" doc:"Date of arrival in the district"`
	Notes           string     `json:"notes,omitempty" maxLength:"2000"`
}

func (b talentBody) input() TalentInput {
	return TalentInput{Name: b.Name, Gender: b.Gender, BirthDate: b.BirthDate, IDNumber: b.IDNumber, Mobile: b.Mobile,
		Email: b.Email, EnterpriseID: b.EnterpriseID, Position: b.Position, Education: b.Education, School: b.School,
		Major: b.Major, GraduationYear: b.GraduationYear, Title: b.Title, SkillLevel: b.SkillLevel, Honours: b.Honours,
		AnnualSalaryFen: b.AnnualSalaryFen, Field: b.Field, ArrivedOn: b.ArrivedOn, Notes: b.Notes}
}

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
	Body    talentBody
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
		Grade  Grade  `json:"grade" enum:"A,B,C,D"`
		Reason string `json:"reason" minLength:"1" maxLength:"500"`
	}
}

type historyOutput struct {
	Body History
}

// TalentQuery is the filter of a talent listing and export.
type TalentQuery struct {
	Grade          string     `query:"grade" enum:"A,B,C,D"`
	Status         string     `query:"status" enum:"draft,submitted,returned,registered,rejected,left"`
	EnterpriseID   int64      `query:"enterprise_id" minimum:"0"`
	Employed       string     `query:"employed" enum:"true,false" doc:"true: employed by an enterprise; false: not"`
	Education      string     `query:"education" enum:"doctorate,master,bachelor,associate,other"`
	Title          string     `query:"title" enum:"senior_full,senior_associate,intermediate,junior,none"`
	Honour         string     `query:"honour" enum:"academician,national_award,national_programme,municipal_programme,district_talent,district_craftsman,other"`
	Q              string     `query:"q" maxLength:"50" doc:"Part of the name, or a whole identity number"`
	RegisteredFrom civil.Date `query:"registered_from" doc:"Registered on or after this date"`
	RegisteredTo   civil.Date `query:"registered_to" doc:"Registered on or before this date"`
	Sort           string     `query:"sort" enum:"id,-id,name,registered_at,-registered_at" default:"id"`
}

func (q TalentQuery) filter() TalentFilter {
	return TalentFilter{Grade: q.Grade, Status: q.Status, EnterpriseID: q.EnterpriseID, Employed: q.Employed,
		Education: q.Education, Title: q.Title, Honour: q.Honour, Query: q.Q, RegisteredFrom: q.RegisteredFrom,
		RegisteredTo: q.RegisteredTo, Sort: q.Sort}
}

type listTalentsInput struct {
	TalentQuery
	page.Query
}

type listTalentsOutput struct {
	Body struct {
		page.Of[TalentView]
		Total int `json:"total" doc:"How many records match the filter"`
	}
}

// Roles that read the registry. HR reads its own enterprise's records only.
var talentReaders = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR,
	auth.RoleHousingOffice, auth.RoleFinance, auth.RoleCommissioner}

// registerTalents adds the talent-record operations to api.
func registerTalents(api huma.API, s *Service) {
	tags := []string{"Talent registry"}
	editors := []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR}
	office := []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice}

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
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		return s.detailedOf(ctx)(s.UpdateTalent(ctx, in.ID, version, in.Body.input()))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-talents", Method: http.MethodGet, Path: "/v1/talents", Tags: tags,
		Summary: "Search talent records", Description: "Filtered and sorted, one page at a time, with the total count. HR sees its own enterprise only.",
	}, talentReaders...), func(ctx context.Context, in *listTalentsInput) (*listTalentsOutput, error) {
		p, err := auth.MustPrincipal(ctx)
		if err != nil {
			return nil, err
		}
		res, err := s.SearchTalents(ctx, in.TalentQuery.filter(), in.Cursor, in.Size(), true)
		if err != nil {
			return nil, err
		}
		out := &listTalentsOutput{}
		out.Body.Items = make([]TalentView, len(res.Items))
		for i, t := range res.Items {
			out.Body.Items[i] = s.view(p, t)
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
