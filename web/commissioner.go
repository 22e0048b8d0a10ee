package web

import (
	"errors"
	"net/http"
	"strconv"

	"talentd/greencard"
	"talentd/internal/accounts"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/httpapi"
	"talentd/internal/page"
)

// commissionerRoles work agent requests on the board: a commissioner sees the requests assigned to
// them, the office every commissioner's (the service decides which).
var commissionerRoles = []auth.Role{auth.RoleCommissioner, auth.RoleTalentOffice, auth.RoleAdmin}

func (s *Site) commissionerPages() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /commissioner": s.signedIn(commissionerRoles, s.board),
		// {action} is a workflow step (accept, start, resolve, reject) or "satisfaction".
		"POST /commissioner/requests/{id}/{action}": s.signedIn(commissionerRoles, s.boardMove),
	}
}

// boardColumn is one state of the board with its requests.
type boardColumn struct {
	Status     string
	Zh, En     string
	Requests   []boardRequest
	Actions    []string // the workflow steps a request in this column may take
	NeedsNote  bool
	Rateable   bool
	Truncated  bool
	ClosedKind bool
}

type boardRequest struct {
	greencard.Request
	ServiceZh, ServiceEn string
	// Commissioner names the commissioner it is assigned to, on the office's board of everyone's.
	Commissioner string
}

// boardCommissioner is one commissioner the office may narrow the board to.
type boardCommissioner struct {
	ID       int64
	Name     string
	Selected bool
}

type boardData struct {
	Columns []boardColumn
	// Commissioners are listed for the office, which sees every commissioner's requests.
	Commissioners        []boardCommissioner
	Open, Overdue        int
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
}

// boardStates are the board's columns, in the order a request moves through them.
var boardStates = []struct {
	status  string
	actions []string
}{
	{greencard.RequestSubmitted, []string{greencard.ActionAccept, greencard.ActionReject}},
	{greencard.RequestAccepted, []string{greencard.ActionStart, greencard.ActionResolve, greencard.ActionReject}},
	{greencard.RequestInProgress, []string{greencard.ActionResolve, greencard.ActionReject}},
	{greencard.RequestResolved, nil},
	{greencard.RequestRejected, nil},
}

// boardColumnSize bounds each column; closed requests show only the most recent.
const boardColumnSize = 100

func (s *Site) board(w http.ResponseWriter, r *http.Request) {
	s.renderBoard(w, r, http.StatusOK, boardData{})
}

func (s *Site) renderBoard(w http.ResponseWriter, r *http.Request, status int, d boardData) {
	names := map[string]greencard.ServiceItem{}
	if items, err := s.o.Cards.Catalogue(r.Context()); err == nil {
		for _, it := range items {
			names[it.Code] = it
		}
	}
	filter := greencard.RequestFilter{}
	who := map[int64]string{}
	if p, _ := auth.FromContext(r.Context()); p.Role != auth.RoleCommissioner {
		chosen, _ := strconv.ParseInt(r.URL.Query().Get("commissioner"), 10, 64)
		list, err := s.o.Accounts.ListAccounts(r.Context(), accounts.Filter{Role: auth.RoleCommissioner}, page.Query{Limit: page.MaxLimit})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, a := range list.Items {
			who[a.ID] = a.DisplayName
			d.Commissioners = append(d.Commissioners, boardCommissioner{ID: a.ID, Name: a.DisplayName, Selected: a.ID == chosen})
			if a.ID == chosen {
				filter.CommissionerID = chosen
			}
		}
	}
	for _, st := range boardStates {
		filter.Status = st.status
		list, err := s.o.Cards.ListRequests(r.Context(), filter, page.Query{Limit: boardColumnSize})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		col := boardColumn{Status: st.status, Zh: greencard.RequestStatusVocab.Label(st.status, "zh"),
			En: greencard.RequestStatusVocab.Label(st.status, "en"), Actions: st.actions,
			Rateable: st.status == greencard.RequestResolved, Truncated: list.NextCursor != "",
			ClosedKind: st.actions == nil}
		for _, req := range list.Items {
			br := boardRequest{Request: req, ServiceZh: names[req.ServiceCode].NameZH, ServiceEn: names[req.ServiceCode].NameEN}
			if req.CommissionerID != nil {
				br.Commissioner = who[*req.CommissionerID]
			}
			col.Requests = append(col.Requests, br)
			if !col.ClosedKind {
				d.Open++
				if req.Overdue {
					d.Overdue++
				}
			}
		}
		d.Columns = append(d.Columns, col)
	}
	s.render(w, r, status, "commissioner", "代办事项", d)
}

// maxBoardForm bounds a board form: a note of a few hundred characters.
const maxBoardForm = 8 << 10

// boardMove takes one workflow step on a request, with the note the form carries.
func (s *Site) boardMove(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderBoardProblem(w, r, greencard.ErrRequestNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBoardForm)
	if err := r.ParseForm(); err != nil {
		s.renderBoardProblem(w, r, errFormUnreadable)
		return
	}
	action := r.PathValue("action")
	if action == "satisfaction" {
		s.boardRate(w, r, id)
		return
	}
	req, err := s.o.Cards.MoveRequest(r.Context(), id, action, r.PostForm.Get("note"))
	if err != nil {
		s.renderBoardProblem(w, r, err)
		return
	}
	label := greencard.RequestActionVocab.Label(action, "zh")
	s.renderBoard(w, r, http.StatusOK, boardData{
		DoneZh: "代办事项 " + strconv.FormatInt(req.ID, 10) + "：" + label,
		DoneEn: "Request " + strconv.FormatInt(req.ID, 10) + ": " + greencard.RequestActionVocab.Label(action, "en")})
}

// boardRate records the holder's satisfaction with a resolved request (the form is parsed).
func (s *Site) boardRate(w http.ResponseWriter, r *http.Request, id int64) {
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	if err != nil {
		score = 0 // the service refuses it with its own message
	}
	if _, err := s.o.Cards.RateRequest(r.Context(), id, score); err != nil {
		s.renderBoardProblem(w, r, err)
		return
	}
	s.renderBoard(w, r, http.StatusOK, boardData{DoneZh: "已记录满意度：" + strconv.Itoa(score) + " 分",
		DoneEn: "Satisfaction recorded: " + strconv.Itoa(score)})
}

func (s *Site) renderBoardProblem(w http.ResponseWriter, r *http.Request, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		s.renderError(w, r, err)
		return
	}
	d := boardData{ProblemZh: e.Zh, ProblemEn: e.Message}
	for _, f := range e.Fields {
		d.ProblemZh, d.ProblemEn = f.Zh, f.Message
	}
	s.renderBoard(w, r, httpapi.StatusOf(e), d)
}

// renderError shows a page's failure: a refusal in the reader's language, anything else as the
// unavailable page (logged, never shown).
func (s *Site) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var e *errs.Error
	if errors.As(err, &e) {
		s.render(w, r, httpapi.StatusOf(e), "error", "无法完成", errorPage{Zh: e.Zh, En: e.Message})
		return
	}
	s.o.Logger.ErrorContext(r.Context(), "page", "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusServiceUnavailable, "error", "暂时无法服务",
		errorPage{Zh: "系统暂时无法服务，请稍后再试", En: "The service is unavailable; try again shortly"})
}
