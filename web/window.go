package web

import (
	"net/http"
	"strings"

	"talentd/greencard"
	"talentd/internal/errs"
)

func (s *Site) windowPages() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /window":      s.signedIn(windowRoles, s.window),
		"POST /window":     s.signedIn(windowRoles, s.windowScan),
		"POST /window/use": s.signedIn(windowRoles, s.windowUse),
	}
}

// maxWindowForm bounds a station form: a token, a serial and a few words.
const maxWindowForm = 16 << 10

// stationData is the window station: the verdict of the last scan, if any, and what was done.
type stationData struct {
	Verdict *verdict
	// Done says what the last action did (a use recorded); Problem why it was refused.
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
}

// verdict is a verification as the station shows it.
type verdict struct {
	greencard.Verification
	// Tone is "ok" (green), "warn" (amber: valid but nothing left to use, or expiring soon) or
	// "bad" (red).
	Tone string
}

func newVerdict(v greencard.Verification) *verdict {
	tone := "bad"
	if v.Valid {
		tone = "ok"
	}
	return &verdict{Verification: v, Tone: tone}
}

func (s *Site) window(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "window", "窗口核验", stationData{})
}

// windowScan verifies what the scanner typed (the QR token) or the serial and last four.
func (s *Site) windowScan(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWindowForm)
	if err := r.ParseForm(); err != nil {
		s.renderStation(w, r, stationData{}, errs.Fields(errs.Field("body", "form", "提交的内容有误，请重新扫码", "the form could not be read; scan again", nil)))
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
	s.renderStation(w, r, stationData{Verdict: newVerdict(v)}, nil)
}

// windowUse records one use of a service on the card the station verified.
func (s *Site) windowUse(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWindowForm)
	if err := r.ParseForm(); err != nil {
		s.renderStation(w, r, stationData{}, errs.Fields(errs.Field("body", "form", "提交的内容有误", "the form could not be read", nil)))
		return
	}
	u, err := s.o.Cards.RecordUseOf(r.Context(), greencard.UseInput{CardSerial: r.PostForm.Get("serial"), Service: r.PostForm.Get("service")})
	if err != nil {
		s.renderStation(w, r, stationData{}, err)
		return
	}
	s.renderStation(w, r, stationData{DoneZh: "已登记服务使用：" + u.ServiceCode, DoneEn: "Use recorded: " + u.ServiceCode}, nil)
}

// renderStation shows the station with d, or with the refusal err in the reader's language.
func (s *Site) renderStation(w http.ResponseWriter, r *http.Request, d stationData, err error) {
	status := http.StatusOK
	if err != nil {
		d.ProblemZh, d.ProblemEn, status = s.problemOf(r, err)
	}
	if r.Header.Get("X-Station") == "fragment" {
		// The station's script asked for the verdict alone, to swap it into the page it shows.
		s.renderFragment(w, r, status, "window", "station-result", d)
		return
	}
	s.render(w, r, status, "window", "窗口核验", d)
}
