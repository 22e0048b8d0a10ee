package greencard

import (
	"context"
	"errors"
	"strings"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/talent"
)

// printStatusOf reads the print status of the card's current version from the database.
func (f *fixture) printStatusOf(t *testing.T, serial string) string {
	t.Helper()
	var st string
	if err := f.db.Get(&st, `SELECT p.status FROM card_prints p JOIN cards c ON c.id = p.card_id AND p.version = c.current_version
		WHERE c.serial = $1`, serial); err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) queueSerials(t *testing.T, status string) []string {
	t.Helper()
	q, err := f.cards.PrintQueue(f.ctx, status, page.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range q.Items {
		out = append(out, it.Serial)
	}
	return out
}

func errCode(err error) string {
	var e *errs.Error
	if !errors.As(err, &e) {
		return ""
	}
	return e.Code
}

// TestPrinting_Workflow: an issued card waits to be printed; it is printed, then handed over,
// each step once, in that order, with who and when; a reissue asks for the new version's print.
func TestPrinting_Workflow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tl := f.register(t, talent.GradeB)
	c := f.card(t, tl.ID)
	if c.PrintState.Status != PrintRequested || c.PrintState.RequestedAt.IsZero() || c.PrintState.PrintedAt != nil {
		t.Fatalf("a new card's printing: %+v", c.PrintState)
	}
	if got := f.queueSerials(t, ""); len(got) != 1 || got[0] != c.Serial {
		t.Errorf("the queue of cards waiting: %v", got)
	}

	_, err := f.cards.MarkHandedOver(f.ctx, c.Serial)
	if !errs.Is(err, errs.Conflict) || errCode(err) != "card_print_conflict" {
		t.Fatalf("handing over an unprinted card: %v", err)
	}
	var e *errs.Error
	if errors.As(err, &e); !strings.Contains(e.Zh, "待打印") || !strings.Contains(e.Message, "requested") {
		t.Errorf("the refusal says %q / %q", e.Zh, e.Message)
	}

	printed, err := f.cards.MarkPrinted(f.ctx, c.Serial)
	if err != nil {
		t.Fatal(err)
	}
	ps := printed.PrintState
	if ps.Status != PrintPrinted || ps.PrintedAt == nil || ps.PrintedBy == nil || *ps.PrintedBy != "office" || ps.HandedOverAt != nil {
		t.Fatalf("printed: %+v", ps)
	}
	if _, err := f.cards.MarkPrinted(f.ctx, c.Serial); errCode(err) != "card_print_conflict" {
		t.Errorf("printing a printed card again: %v", err)
	}
	if got := f.queueSerials(t, PrintPrinted); len(got) != 1 || len(f.queueSerials(t, PrintRequested)) != 0 {
		t.Errorf("after printing, the printed queue: %v", got)
	}

	handed, err := f.cards.MarkHandedOver(f.ctx, c.Serial)
	if err != nil {
		t.Fatal(err)
	}
	if hs := handed.PrintState; hs.Status != PrintHandedOver || hs.HandedOverAt == nil || *hs.HandedOverBy != "office" || hs.PrintedAt == nil {
		t.Fatalf("handed over: %+v", hs)
	}
	if _, err := f.cards.MarkHandedOver(f.ctx, c.Serial); errCode(err) != "card_print_conflict" {
		t.Errorf("handing over twice: %v", err)
	}
	var audited int
	if err := f.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action IN ('card.print', 'card.hand_over')`,
		c.Serial); err != nil || audited != 2 {
		t.Errorf("audited print steps: %d, %v", audited, err)
	}

	// A lost card: the new version is printed anew; the old version keeps its history.
	re, err := f.cards.Reissue(f.ctx, tl.ID, "遗失补办")
	if err != nil {
		t.Fatal(err)
	}
	if re.PrintState.Status != PrintRequested || re.PrintState.PrintedAt != nil {
		t.Errorf("the reissued version's printing: %+v", re.PrintState)
	}
	var old string
	if err := f.db.Get(&old, `SELECT status FROM card_prints WHERE card_id = $1 AND version = 1`, c.ID); err != nil || old != PrintHandedOver {
		t.Errorf("the first version's printing: %q, %v", old, err)
	}
}

// TestPrinting_BatchAllOrNothing: a batch marks every card printed, or none when one of them is
// unknown, revoked or not waiting.
func TestPrinting_BatchAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var serials []string
	for range 4 {
		serials = append(serials, f.card(t, f.register(t, talent.GradeC).ID).Serial)
	}
	a, b, c, d := serials[0], serials[1], serials[2], serials[3]
	if _, err := f.cards.MarkPrinted(f.ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cards.SetStatus(f.ctx, d, CardRevoked, "违规使用"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what    string
		serials []string
		code    string
	}{
		{"one printed already", []string{a, b, c}, "card_print_conflict"},
		{"one unknown", []string{c, "BS-1999-999999", a}, "card_not_found"},
		{"one revoked", []string{a, d}, "card_revoked_not_printed"},
		{"none", nil, "invalid_fields"},
		{"one twice", []string{a, c, a}, "invalid_fields"},
		{"one malformed", []string{a, "bs-lower"}, "invalid_fields"},
		{"too many", make([]string, MaxPrintBatch+1), "invalid_fields"},
	} {
		_, err := f.cards.PrintBatch(f.ctx, tc.serials)
		if errCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.what, err, tc.code)
		}
		if st := f.printStatusOf(t, a) + f.printStatusOf(t, c); st != PrintRequested+PrintRequested {
			t.Fatalf("%s: the other cards moved: %s", tc.what, st)
		}
	}
	if got := f.queueSerials(t, PrintRequested); len(got) != 2 || got[0] != a || got[1] != c {
		t.Errorf("waiting: %v (the revoked card leaves the queue)", got)
	}

	done, err := f.cards.PrintBatch(f.ctx, []string{c, a})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 || done[0].Serial != c || done[1].Serial != a || done[0].PrintState.Status != PrintPrinted {
		t.Errorf("the batch answered %+v", done)
	}
	if got := f.queueSerials(t, PrintPrinted); len(got) != 3 {
		t.Errorf("printed: %v", got)
	}
	if got := f.queueSerials(t, PrintRequested); len(got) != 0 {
		t.Errorf("still waiting: %v", got)
	}
}

// TestPrinting_QueuePages: the queue pages by card, oldest first.
func TestPrinting_QueuePages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 3 {
		f.register(t, talent.GradeD)
	}
	first, err := f.cards.PrintQueue(f.ctx, PrintRequested, page.Query{Limit: 2})
	if err != nil || len(first.Items) != 2 || first.NextCursor == "" || first.Items[0].Name == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	rest, err := f.cards.PrintQueue(f.ctx, PrintRequested, page.Query{Limit: 2, Cursor: first.NextCursor})
	if err != nil || len(rest.Items) != 1 || rest.NextCursor != "" || rest.Items[0].Serial <= first.Items[1].Serial {
		t.Fatalf("second page: %+v, %v", rest, err)
	}
	if _, err := f.cards.PrintQueue(f.ctx, "lost", page.Query{}); !errs.Is(err, errs.Invalid) {
		t.Errorf("an unknown status: %v", err)
	}
}

// TestPrinting_OfficeOnly: HR and windows neither see the queue nor move a card's printing.
func TestPrinting_OfficeOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tl := f.register(t, talent.GradeB)
	serial := f.card(t, tl.ID).Serial
	ent := int64(1)
	if tl.EnterpriseID != nil {
		ent = *tl.EnterpriseID
	}
	for _, p := range []auth.Principal{
		{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: ent},
		{Username: "window", Role: auth.RoleServiceWindow},
		{Username: "housing", Role: auth.RoleHousingOffice},
	} {
		ctx := auth.WithPrincipal(context.Background(), p)
		checks := map[string]error{}
		_, checks["queue"] = f.cards.PrintQueue(ctx, "", page.Query{})
		_, checks["printed"] = f.cards.MarkPrinted(ctx, serial)
		_, checks["handed over"] = f.cards.MarkHandedOver(ctx, serial)
		_, checks["batch"] = f.cards.PrintBatch(ctx, []string{serial})
		_, checks["sheet"] = f.cards.PrintableCards(ctx, []string{serial})
		for what, err := range checks {
			if !errs.Is(err, errs.Forbidden) {
				t.Errorf("%s: %s: %v, want forbidden", p.Role, what, err)
			}
		}
	}
	if st := f.printStatusOf(t, serial); st != PrintRequested {
		t.Errorf("after the refusals the card is %s", st)
	}
	cards, err := f.cards.PrintableCards(f.ctx, []string{serial})
	if err != nil || len(cards) != 1 || !strings.HasPrefix(string(cards[0].QR), "data:image/png;base64,") || cards[0].Name == "" {
		t.Errorf("printable: %+v, %v", cards, err)
	}
}
