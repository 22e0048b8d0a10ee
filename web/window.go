package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"talentd/greencard"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/talent"
)

func (s *Site) windowPages() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /window":          s.signedIn(windowRoles, s.window),
		"POST /window":         s.signedIn(windowRoles, s.windowScan),
		"POST /window/use":     s.signedIn(windowRoles, s.windowUse),
		"POST /window/void":    s.signedIn(windowRoles, s.windowVoid),
		"POST /window/request": s.signedIn(windowRoles, s.windowRequest),
	}
}

// maxWindowForm bounds a station form: a token, a serial and a few words.
const maxWindowForm = 16 << 10

// maxRequestText bounds an agent request's description, as the API's schema does.
const maxRequestText = 2000

// expiringDays: a card that expires within this many days shows amber, so the clerk can tell the
// holder to renew it.
const expiringDays = 30

// stationData is the window station: the verdict of the last scan, if any, what was done, and the
// clerk's own day.
type stationData struct {
	Verdict *verdict
	// Done says what the last action did (a use recorded); Problem why it was refused.
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
	// Today is the clerk's day at the window; nil when it could not be read.
	Today *greencard.StationDay
}

// Clock is the district's time of day of t, for the day's list.
func (stationData) Clock(t time.Time) string { return t.In(civil.District).Format("15:04") }

// verdict is a verification as the station shows it.
type verdict struct {
	greencard.Verification
	// Tone is "ok" (green), "warn" (amber: valid but nothing left to use, or expiring soon) or
	// "bad" (red).
	Tone string
	// WarnZh and WarnEn say why a valid card is amber.
	WarnZh, WarnEn string
}

func newVerdict(v greencard.Verification, today civil.Date) *verdict {
	out := &verdict{Verification: v, Tone: "bad"}
	if !v.Valid {
		return out
	}
	out.Tone = "ok"
	var warnZh, warnEn []string
	if v.Card != nil {
		if days := int(v.Card.ExpiresOn.Time().Sub(today.Time()).Hours() / 24); days <= expiringDays {
			warnZh = append(warnZh, fmt.Sprintf("此卡将于 %s 到期（还有 %d 天），请提醒持卡人及时换领", v.Card.ExpiresOn, days))
			warnEn = append(warnEn, fmt.Sprintf("the card expires on %s (in %d days); remind the holder to renew it", v.Card.ExpiresOn, days))
		}
	}
	left := false
	for _, svc := range v.Services {
		left = left || usable(svc)
	}
	if !left {
		warnZh = append(warnZh, "本年度各项服务的次数均已用完")
		warnEn = append(warnEn, "every service's quota for this year is used up")
	}
	if len(warnZh) > 0 {
		out.Tone, out.WarnZh, out.WarnEn = "warn", strings.Join(warnZh, "；"), strings.Join(warnEn, "; ")
	}
	return out
}

// usable reports whether the holder may still use the service this year.
func usable(svc greencard.ServiceAvailability) bool {
	return svc.Unlimited || (svc.Remaining != nil && *svc.Remaining > 0)
}

// Usable reports whether the holder may still use the service this year (the template's).
func (v *verdict) Usable(svc greencard.ServiceAvailability) bool { return usable(svc) }

// ClassLabel is the card's class as the reader calls it ("B类").
func (v *verdict) ClassLabel(lang string) string {
	if v.Card == nil {
		return ""
	}
	return talent.GradeVocab.Label(string(v.Card.Class), lang)
}

// serviceName is the name of the card's service with the code, or the code when the verdict does
// not list it.
func (v *verdict) serviceName(code string) string {
	if v != nil {
		for _, svc := range v.Services {
			if svc.Code == code {
				return svc.Name
			}
		}
	}
	return code
}

func (s *Site) window(w http.ResponseWriter, r *http.Request) {
	s.renderStation(w, r, stationData{}, nil)
}

// readStationForm reads a station form, or answers the refusal itself and reports false.
func (s *Site) readStationForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxWindowForm)
	if err := r.ParseForm(); err != nil {
		s.renderStation(w, r, stationData{}, errs.Fields(errs.Field("body", "form", "提交的内容有误，请重新扫码", "the form could not be read; scan again", nil)))
		return false
	}
	return true
}

// windowScan verifies what the scanner typed (the QR token) or the serial and last four.
func (s *Site) windowScan(w http.ResponseWriter, r *http.Request) {
	if !s.readStationForm(w, r) {
		return
	}
	in := greencard.VerifyInput{Serial: r.PostForm.Get("serial"), IDLast4: r.PostForm.Get("id_last4")}
	if tok := strings.TrimSpace(r.PostForm.Get("token")); tok != "" {
		in.Token = &tok
	}
	v, err := s.o.Cards.Verify(r.Context(), in)
	if err != nil {
		s.renderStation(w, r, stationData{}, err)
		return
	}
	s.renderStation(w, r, stationData{Verdict: newVerdict(v, civil.DistrictToday())}, nil)
}

// windowUse records one use of a service on the card the station verified, and shows the card again.
func (s *Site) windowUse(w http.ResponseWriter, r *http.Request) {
	if !s.readStationForm(w, r) {
		return
	}
	serial := r.PostForm.Get("serial")
	u, err := s.o.Cards.RecordUseOf(r.Context(), greencard.UseInput{CardSerial: serial, Service: r.PostForm.Get("service")})
	d := s.again(r, serial)
	if err != nil {
		s.renderStation(w, r, d, err)
		return
	}
	name := d.Verdict.serviceName(u.ServiceCode)
	d.DoneZh, d.DoneEn = "已登记使用："+name, "Use recorded: "+name
	if !u.Unlimited && u.Remaining != nil {
		d.DoneZh += fmt.Sprintf("（本年还剩 %d 次）", *u.Remaining)
		d.DoneEn += fmt.Sprintf(" (%d left this year)", *u.Remaining)
	}
	s.renderStation(w, r, d, nil)
}

// windowVoid voids a use the clerk recorded today by mistake, with the reason, and shows the card
// again.
func (s *Site) windowVoid(w http.ResponseWriter, r *http.Request) {
	if !s.readStationForm(w, r) {
		return
	}
	refuse := func(err error) { s.renderStation(w, r, s.again(r, r.PostForm.Get("serial")), err) }
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("use")), 10, 64)
	if err != nil || id <= 0 {
		refuse(greencard.ErrUseNotFound)
		return
	}
	u, err := s.o.Cards.VoidUse(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		refuse(err)
		return
	}
	d := s.again(r, u.Serial)
	name := d.Verdict.serviceName(u.ServiceCode)
	d.DoneZh, d.DoneEn = "已撤销服务使用："+name+"（"+u.Serial+"）", "Use voided: "+name+" ("+u.Serial+")"
	s.renderStation(w, r, d, nil)
}

// windowRequest files an agent request (代办) for the holder of the card the station verified, and
// shows the card again.
func (s *Site) windowRequest(w http.ResponseWriter, r *http.Request) {
	if !s.readStationForm(w, r) {
		return
	}
	serial := r.PostForm.Get("serial")
	d := s.again(r, serial)
	service := r.PostForm.Get("service")
	desc := strings.TrimSpace(r.PostForm.Get("description"))
	if desc == "" {
		// One click files the request: the commissioner learns the details from the holder.
		desc = "窗口代办：" + d.Verdict.serviceName(service)
	}
	if utf8.RuneCountInString(desc) > maxRequestText {
		s.renderStation(w, r, d, errs.Fields(errs.Field("body.description", "too_long", "代办内容不能超过2000个字", "at most 2000 characters", nil)))
		return
	}
	req, err := s.o.Cards.FileRequestForCard(r.Context(), greencard.RequestInput{CardSerial: serial,
		Service: service, Description: desc})
	if err != nil {
		s.renderStation(w, r, d, err)
		return
	}
	name := d.Verdict.serviceName(req.ServiceCode)
	d.DoneZh = fmt.Sprintf("已提交代办：%s（编号 %d，办理期限 %s）", name, req.ID, req.DueOn)
	d.DoneEn = fmt.Sprintf("Agent request filed: %s (no. %d, due %s)", name, req.ID, req.DueOn)
	s.renderStation(w, r, d, nil)
}

// again is the station showing the card with the serial as it stands now, when the clerk verified
// it today; without it, the station shows no verdict.
func (s *Site) again(r *http.Request, serial string) stationData {
	if strings.TrimSpace(serial) == "" {
		return stationData{}
	}
	v, err := s.o.Cards.Availability(r.Context(), serial)
	if err != nil {
		return stationData{}
	}
	return stationData{Verdict: newVerdict(v, civil.DistrictToday())}
}

// renderStation shows the station with d, or with the refusal err in the reader's language. A
// request of the station's script (X-Station: fragment) gets the verdict area alone.
func (s *Site) renderStation(w http.ResponseWriter, r *http.Request, d stationData, err error) {
	status := http.StatusOK
	if err != nil {
		d.ProblemZh, d.ProblemEn, status = s.problemOf(r, err)
		if e := (*errs.Error)(nil); errors.As(err, &e) && e.RetryAfterSeconds > 0 {
			minutes := (e.RetryAfterSeconds + 59) / 60
			d.ProblemZh += fmt.Sprintf("（约 %d 分钟后可再试）", minutes)
			d.ProblemEn += fmt.Sprintf(" (try again in about %d min)", minutes)
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
		}
	}
	if day, err := s.o.Cards.StationToday(r.Context()); err != nil {
		s.o.Logger.ErrorContext(r.Context(), "window station: the clerk's day", "err", err)
	} else {
		d.Today = &day
	}
	if r.Header.Get("X-Station") == "fragment" {
		// The station's script asked for the verdict alone, to swap it into the page it shows.
		s.renderFragment(w, r, status, "window", "verdict", d)
		return
	}
	s.render(w, r, status, "window", "窗口核验", d)
}
