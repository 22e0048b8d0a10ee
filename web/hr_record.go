package web

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/money"
	"talentd/internal/reqctx"
	"talentd/talent"
)

// hrHonourRows is how many honours the record form offers.
const hrHonourRows = 3

// hrForm is a talent record as the form holds it: text as typed, so that a refused form comes back
// as it was filled in.
type hrForm struct {
	Name, Gender, IDNumber, Mobile, Email, Position string
	Education, School, Major, GraduationYear        string
	Title, SkillLevel, Salary, Field, ArrivedOn     string
	Notes                                           string
	Honours                                         [hrHonourRows]hrHonour
}

type hrHonour struct {
	Code, Level, Year string
	Options           []hrOption
}

// hrRecordData is the record page: the form, or the record as it stands when HR may no longer
// change it, with its photo, status and the reviewer's note.
type hrRecordData struct {
	hrPage
	ID       int64
	Version  int
	Status   string
	Grade    string
	Editable bool
	// Submittable: a draft or returned record, which HR sends for review from the page.
	Submittable bool
	New         bool
	Form        hrForm
	// typed: Form holds what was posted (a refused form), not the record as stored.
	typed bool
	// Fieldsets are the form's inputs besides the honours and the notes.
	Fieldsets []hrFieldset
	// HonourErrors are the messages about the honours.
	HonourErrors  []string
	ReviewComment string
	HasPhoto      bool
	PhotoURL      string
	Assessment    *talent.Assessment
}

// hrFieldset is a group of a form's fields under its legend.
type hrFieldset struct {
	Legend string
	Fields []hrField
}

// hrFormOf is a stored record as the form shows it: the identity number masked as HR reads it
// (sent back masked, it keeps the stored one).
func (s *Site) hrFormOf(r *http.Request, t talent.Talent) hrForm {
	f := hrForm{Name: t.Name, Gender: t.Gender, Mobile: t.Mobile, Email: t.Email, Position: t.Position,
		Education: t.Education, School: t.School, Major: t.Major, Title: t.Title, SkillLevel: t.SkillLevel,
		Field: t.Field, Notes: t.Notes, Salary: money.Fen(t.AnnualSalaryFen).String()}
	if p, ok := auth.FromContext(r.Context()); ok {
		f.IDNumber = s.o.Talent.IDNumberFor(p, t)
	}
	if t.GraduationYear != nil {
		f.GraduationYear = strconv.Itoa(*t.GraduationYear)
	}
	if !t.ArrivedOn.IsZero() {
		f.ArrivedOn = t.ArrivedOn.String()
	}
	for i, h := range t.Honours {
		if i >= hrHonourRows {
			break
		}
		f.Honours[i] = hrHonour{Code: h.Code, Level: h.Level}
		if h.Year != 0 {
			f.Honours[i].Year = strconv.Itoa(h.Year)
		}
	}
	return f
}

// hrReadRecordForm reads the posted form, and turns it into the service's input. The text the service
// cannot be handed (a date, a year or an amount that does not parse) is refused here, as field
// errors under the same locations the service uses.
func hrReadRecordForm(r *http.Request) (hrForm, talent.TalentInput, error) {
	v := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	f := hrForm{Name: v("name"), Gender: v("gender"), IDNumber: v("id_number"), Mobile: v("mobile"), Email: v("email"),
		Position: v("position"), Education: v("education"), School: v("school"), Major: v("major"),
		GraduationYear: v("graduation_year"), Title: v("title"), SkillLevel: v("skill_level"), Salary: v("salary"),
		Field: v("field"), ArrivedOn: v("arrived_on"), Notes: v("notes")}
	in := talent.TalentInput{Name: f.Name, Gender: f.Gender, IDNumber: f.IDNumber, Mobile: f.Mobile, Email: f.Email,
		Position: f.Position, Education: f.Education, School: f.School, Major: f.Major, Title: f.Title,
		SkillLevel: f.SkillLevel, Field: f.Field, Notes: f.Notes, Honours: []talent.Honour{}}
	var fr hrFormReader
	in.GraduationYear = fr.year(f.GraduationYear, "body.graduation_year")
	in.AnnualSalaryFen = int64(fr.amount(f.Salary, "body.annual_salary_fen", "年薪", "annual salary"))
	in.ArrivedOn = fr.date(f.ArrivedOn, "body.arrived_on")
	for i := range hrHonourRows {
		n := strconv.Itoa(i)
		h := hrHonour{Code: v("honour_code_" + n), Level: v("honour_level_" + n), Year: v("honour_year_" + n)}
		f.Honours[i] = h
		if h.Code == "" {
			continue
		}
		in.Honours = append(in.Honours, talent.Honour{Code: h.Code, Level: h.Level,
			Year: fr.year(h.Year, fmt.Sprintf("body.honours[%d].year", len(in.Honours)))})
	}
	return f, in, fr.err()
}

// fill lays the form out for the values it holds and the messages of d.Errors.
func (d *hrRecordData) fill(r *http.Request, birthYear int) {
	f := &d.Form
	if f.Title == "" {
		f.Title = "none"
	}
	if f.SkillLevel == "" {
		f.SkillLevel = "none"
	}
	m := newHRFieldMaker(r, d.Errors)
	idNumber := m.input("id_number", "body.id_number", "身份证号 *", "Identity number *", f.IDNumber, 18)
	idNumber.Mono = true
	if !d.New {
		idNumber.Hint = hrPick(m.lang, "保留打码的号码即不修改；出生日期按身份证号。出生年份 ", "Leave it masked to keep it; the birth date follows the number. Born ") +
			strconv.Itoa(birthYear)
	}
	arrived := m.input("arrived_on", "body.arrived_on", "来璧时间", "Arrived in the district", f.ArrivedOn, 10)
	arrived.Type = "date"
	salary := m.input("salary", "body.annual_salary_fen", "年薪（元）", "Annual salary (yuan)", f.Salary, 20)
	salary.Placeholder = hrPick(m.lang, "如 350000 或 35万", "e.g. 350000")
	d.Fieldsets = []hrFieldset{
		{Legend: hrPick(m.lang, "基本信息", "Person"), Fields: []hrField{
			m.input("name", "body.name", "姓名 *", "Name *", f.Name, 50),
			idNumber,
			m.choice("gender", "body.gender", "性别", "Gender", hrVocabOptions(talent.GenderVocab, f.Gender, "按身份证号", "From the identity number")),
			m.input("mobile", "body.mobile", "手机号", "Mobile", f.Mobile, 11),
			m.input("email", "body.email", "电子邮箱", "Email", f.Email, 100),
			arrived,
		}},
		{Legend: hrPick(m.lang, "学历与职业", "Education and work"), Fields: []hrField{
			m.choice("education", "body.education", "学历 *", "Education *", hrVocabOptions(talent.EducationVocab, f.Education, "请选择", "Choose")),
			m.input("school", "body.school", "毕业院校", "School", f.School, 100),
			m.input("major", "body.major", "专业", "Major", f.Major, 100),
			m.input("graduation_year", "body.graduation_year", "毕业年份", "Graduation year", f.GraduationYear, 4),
			m.choice("title", "body.title", "职称", "Professional title", hrVocabOptions(talent.TitleVocab, f.Title, "", "")),
			m.choice("skill_level", "body.skill_level", "技能等级", "Skill level", hrVocabOptions(talent.SkillLevelVocab, f.SkillLevel, "", "")),
			m.input("position", "body.position", "职务", "Position", f.Position, 100),
			m.input("field", "body.field", "从事领域", "Field", f.Field, 100),
			salary,
		}},
	}
	for i := range f.Honours {
		f.Honours[i].Options = hrVocabOptions(talent.HonourVocab, f.Honours[i].Code, "（无）", "(none)")
	}
}

// hrRecordInputs are the locations of the form's inputs besides the honours.
var hrRecordInputs = []string{"body.name", "body.gender", "body.id_number", "body.mobile", "body.email", "body.position",
	"body.education", "body.school", "body.major", "body.graduation_year", "body.title", "body.skill_level",
	"body.annual_salary_fen", "body.field", "body.arrived_on", "body.notes"}

// setErrors places a refusal's field messages: each next to its input, the honours' with the
// honours, the rest at the top of the form.
func (d *hrRecordData) setErrors(r *http.Request, err error) {
	d.Errors = hrFieldErrorsOf(err, reqctx.Lang(r.Context()))
	if _, badID := d.Errors["body.id_number"]; badID && d.Form.Gender == "" {
		// The gender left to the identity number is missing only because the number is wrong:
		// the number's message says what to fix.
		delete(d.Errors, "body.gender")
	}
	shown := slices.Clone(hrRecordInputs)
	for loc, msg := range d.Errors {
		if strings.HasPrefix(loc, "body.honours") {
			d.HonourErrors = append(d.HonourErrors, msg)
			shown = append(shown, loc)
		}
	}
	slices.Sort(d.HonourErrors)
	d.OtherErrors = d.Errors.except(shown...)
}

func (s *Site) hrNewTalent(w http.ResponseWriter, r *http.Request) {
	d := hrRecordData{hrPage: newHRPage("/hr/talents/new"), New: true, Editable: true}
	d.fill(r, 0)
	s.render(w, r, http.StatusOK, "hr_record", "新增人才登记", d)
}

// hrMaxRecordForm bounds the record form: a few dozen short fields and notes of 2,000 characters.
const hrMaxRecordForm = 64 << 10

// hrSaveTalent saves the record form: a new draft (POST /hr/talents/new), or the record of the
// path with the version the form was read at.
func (s *Site) hrSaveTalent(w http.ResponseWriter, r *http.Request) {
	id := pathNumber(r)
	d := hrRecordData{hrPage: newHRPage(""), New: id == 0, Editable: true, typed: true}
	if d.New {
		d.hrPage = newHRPage("/hr/talents/new")
	}
	err := hrReadPostForm(w, r, hrMaxRecordForm)
	if err == nil {
		var in talent.TalentInput
		if d.Form, in, err = hrReadRecordForm(r); err == nil {
			id, err = s.hrSave(r, id, in)
		}
		if err == nil {
			http.Redirect(w, r, hrTalentLink(id)+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	s.hrRefuseRecord(w, r, d, err)
}

// hrSave creates a draft (id 0) or updates the record id, and returns its id.
func (s *Site) hrSave(r *http.Request, id int64, in talent.TalentInput) (int64, error) {
	if id == 0 {
		t, err := s.o.Talent.CreateTalent(r.Context(), in)
		return t.ID, err
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	_, err := s.o.Talent.UpdateTalent(r.Context(), id, version, in)
	return id, err
}

// hrTalent shows a record: its form while HR may change it, else the record as it stands.
func (s *Site) hrTalent(w http.ResponseWriter, r *http.Request) {
	s.hrShowRecord(w, r, http.StatusOK, hrRecordData{hrPage: hrSavedPage("", r)})
}

// hrShowRecord reads the record of the path and shows it with d's messages; a form of d already
// filled in (a refused edit) is kept as it was typed.
func (s *Site) hrShowRecord(w http.ResponseWriter, r *http.Request, status int, d hrRecordData) {
	t, err := s.o.Talent.GetTalent(r.Context(), pathNumber(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.ID, d.Version, d.Status, d.ReviewComment = t.ID, t.Version, string(t.Status), t.ReviewComment
	d.Editable = t.Status == talent.StatusDraft || t.Status == talent.StatusReturned
	d.Submittable = d.Editable
	if t.Grade != nil {
		d.Grade = string(*t.Grade)
	}
	if !d.typed {
		d.Form = s.hrFormOf(r, t)
	}
	if _, err := s.o.Talent.GetPhoto(r.Context(), t.ID); err == nil {
		d.HasPhoto, d.PhotoURL = true, fmt.Sprintf("/v1/talents/%d/photo?v=%d", t.ID, t.Version)
	}
	if t.Status != talent.StatusRegistered {
		if a, err := s.o.Talent.Assess(r.Context(), t); err == nil {
			d.Assessment = &a
		}
	}
	d.fill(r, t.BirthDate.Time().Year())
	s.render(w, r, status, "hr_record", "人才记录："+t.Name, d)
}

// hrRefuseRecord shows the record page (or the new record's form) again with the refusal of an
// action on it: each field's message next to its input, the rest at the top; a form that was
// posted is kept as typed.
func (s *Site) hrRefuseRecord(w http.ResponseWriter, r *http.Request, d hrRecordData, err error) {
	status, ok := d.refused(err)
	if !ok {
		s.renderError(w, r, err)
		return
	}
	d.setErrors(r, err)
	if d.New {
		d.fill(r, 0)
		s.render(w, r, status, "hr_record", "新增人才登记", d)
		return
	}
	s.hrShowRecord(w, r, status, d)
}

// hrSubmitTalent sends one draft or returned record for review.
func (s *Site) hrSubmitTalent(w http.ResponseWriter, r *http.Request) {
	if _, err := s.o.Talent.Submit(r.Context(), pathNumber(r)); err != nil {
		s.hrRefuseRecord(w, r, hrRecordData{hrPage: newHRPage("")}, err)
		return
	}
	http.Redirect(w, r, hrTalentLink(pathNumber(r))+"?saved=submitted", http.StatusSeeOther)
}

// errHRNoPhoto refuses a photo form sent without an image.
var errHRNoPhoto = errs.Fields(errs.Field("body.photo", "no_file", "请选择要上传的照片（JPEG 或 PNG，不超过 2 MB）",
	"choose the photo to upload (JPEG or PNG, at most 2 MB)", nil))

// hrMaxPhotoForm bounds the photo form: a file well over the photo's limit is still read to its end
// (and refused by the service), so that the browser gets the refusal instead of a cut connection.
const hrMaxPhotoForm = 16 << 20

// hrPhoto stores the photo of the form's file field "photo"; the service checks its type and size
// and re-encodes it. Only a little more than the limit is kept; the rest of the upload is read and
// dropped.
func (s *Site) hrPhoto(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, hrMaxPhotoForm)
	defer func() { _, _ = io.Copy(io.Discard, r.Body) }()
	contentType, data, err := hrPhotoUpload(r)
	if err == nil {
		_, err = s.o.Talent.PutPhoto(r.Context(), pathNumber(r), contentType, data)
	}
	if err != nil {
		s.hrRefuseRecord(w, r, hrRecordData{hrPage: newHRPage("")}, err)
		return
	}
	http.Redirect(w, r, hrTalentLink(pathNumber(r))+"?saved=photo", http.StatusSeeOther)
}

// hrPhotoUpload reads the file of the form's field "photo": its declared type and at most one byte
// more than a photo may weigh.
func hrPhotoUpload(r *http.Request) (string, []byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, errHRNoPhoto
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return "", nil, errHRNoPhoto
		}
		if part.FormName() != "photo" || part.FileName() == "" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, talent.MaxPhotoBytes+1))
		if err != nil || len(data) == 0 {
			return "", nil, errHRNoPhoto
		}
		return part.Header.Get("Content-Type"), data, nil
	}
}
