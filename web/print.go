package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/vocab"
)

// printRoles print the cards and hand them over: the talent office.
var printRoles = []auth.Role{auth.RoleTalentOffice, auth.RoleAdmin}

// cardsPerSheet is how many ID-1 cards an A4 sheet holds: two across, four down.
const cardsPerSheet = 8

// maxPrintForm bounds a print form: up to a batch of serials.
const maxPrintForm = 32 << 10

func (s *Site) printPages() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /print":              s.signedIn(printRoles, s.printQueue),
		"GET /print/sheet":        s.signedIn(printRoles, s.printSheet),
		"POST /print/printed":     s.signedIn(printRoles, s.printMarkPrinted),
		"POST /print/handed-over": s.signedIn(printRoles, s.printHandOver),
	}
}

// printQueueData is the print desk: the cards at one print step, and what the last action did.
type printQueueData struct {
	Status     string
	Statuses   []vocab.Term
	Items      []printRowView
	NextCursor string
	// Done says what the last action did; Problem why it was refused.
	DoneZh, DoneEn       string
	ProblemZh, ProblemEn string
}

// printRowView is a card of the queue as the desk shows it.
type printRowView struct {
	Serial, Name, Class        string
	Version                    int
	CardStatusZh, CardStatusEn string
	RequestedAt                string
	PrintedAt, PrintedBy       string
	HandedOverAt, HandedOverBy string
}

// printSheetData is the A4 sheets of the cards chosen, and their serials for the "printed" form.
type printSheetData struct {
	Serials              []string
	Sheets               [][]greencard.PrintableCard
	ProblemZh, ProblemEn string
}

func (s *Site) printQueue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.renderPrintQueue(w, r, http.StatusOK, q.Get("status"), q.Get("cursor"), printQueueData{})
}

// renderPrintQueue shows the cards at the print step status from the cursor on, with d's messages,
// answering with code.
func (s *Site) renderPrintQueue(w http.ResponseWriter, r *http.Request, code int, status, cursor string, d printQueueData) {
	if status == "" {
		status = greencard.PrintRequested
	}
	d.Status, d.Statuses = status, greencard.PrintStatusVocab.Terms()
	list, err := s.o.Cards.PrintQueue(r.Context(), status, page.Query{Cursor: cursor})
	if err != nil {
		d.ProblemZh, d.ProblemEn, code = s.problemOf(r, err)
	}
	d.NextCursor = list.NextCursor
	for _, it := range list.Items {
		d.Items = append(d.Items, printRow(it))
	}
	s.render(w, r, code, "print", "绿卡打印", d)
}

// printRow is the desk's view of a queued card, its instants in district time.
func printRow(it greencard.PrintItem) printRowView {
	p := it.Print
	v := printRowView{Serial: it.Serial, Name: it.Name, Class: string(it.Class), Version: it.Version,
		CardStatusZh: greencard.CardStatusVocab.Label(string(it.Status), "zh"),
		CardStatusEn: greencard.CardStatusVocab.Label(string(it.Status), "en"),
		RequestedAt:  districtTime(&p.RequestedAt), PrintedAt: districtTime(p.PrintedAt), HandedOverAt: districtTime(p.HandedOverAt)}
	if p.PrintedBy != nil {
		v.PrintedBy = *p.PrintedBy
	}
	if p.HandedOverBy != nil {
		v.HandedOverBy = *p.HandedOverBy
	}
	return v
}

// districtTime is t to the minute in the district's time, or "" without one.
func districtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(civil.District).Format("2006-01-02 15:04")
}

// printSheet lays the chosen cards out on A4 sheets for the browser to print.
func (s *Site) printSheet(w http.ResponseWriter, r *http.Request) {
	serials := r.URL.Query()["serial"]
	d := printSheetData{Serials: serials}
	cards, err := s.o.Cards.PrintableCards(r.Context(), serials)
	if err != nil {
		var code int
		d.ProblemZh, d.ProblemEn, code = s.problemOf(r, err)
		s.render(w, r, code, "print-sheet", "打印绿卡", d)
		return
	}
	for chunk := range slices.Chunk(cards, cardsPerSheet) {
		d.Sheets = append(d.Sheets, chunk)
	}
	s.render(w, r, http.StatusOK, "print-sheet", "打印绿卡", d)
}

// printMarkPrinted records the sheet's cards printed, all or none, and shows the printed cards.
func (s *Site) printMarkPrinted(w http.ResponseWriter, r *http.Request) {
	form, ok := s.printForm(w, r)
	if !ok {
		return
	}
	serials := form["serial"]
	if _, err := s.o.Cards.PrintBatch(r.Context(), serials); err != nil {
		s.printRefused(w, r, greencard.PrintRequested, err)
		return
	}
	n := strconv.Itoa(len(serials))
	s.renderPrintQueue(w, r, http.StatusOK, greencard.PrintPrinted, "", printQueueData{
		DoneZh: "已标记为已打印：" + n + " 张", DoneEn: "Marked printed: " + n + " cards"})
}

// printHandOver records that a printed card was handed to its holder.
func (s *Site) printHandOver(w http.ResponseWriter, r *http.Request) {
	form, ok := s.printForm(w, r)
	if !ok {
		return
	}
	c, err := s.o.Cards.MarkHandedOver(r.Context(), form.Get("serial"))
	if err != nil {
		s.printRefused(w, r, greencard.PrintPrinted, err)
		return
	}
	s.renderPrintQueue(w, r, http.StatusOK, greencard.PrintPrinted, "", printQueueData{
		DoneZh: "已交付：" + c.Serial, DoneEn: "Handed over: " + c.Serial})
}

// printForm reads a print form's fields; on a form that cannot be read it shows the desk saying so.
func (s *Site) printForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPrintForm)
	if err := r.ParseForm(); err != nil {
		s.printRefused(w, r, greencard.PrintRequested,
			errs.Fields(errs.Field("body", "form", "提交的内容有误，请重新选择", "the form could not be read; choose again", nil)))
		return nil, false
	}
	return r.PostForm, true
}

// printRefused shows the queue of status with the refusal err.
func (s *Site) printRefused(w http.ResponseWriter, r *http.Request, status string, err error) {
	var d printQueueData
	var code int
	d.ProblemZh, d.ProblemEn, code = s.problemOf(r, err)
	s.renderPrintQueue(w, r, code, status, "", d)
}
