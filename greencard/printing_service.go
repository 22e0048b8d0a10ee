package greencard

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/page"
	"talentd/internal/postgres"
)

// PrintQueue lists the cards whose current version has the print status (requested when empty),
// oldest card first; only the office prints cards.
func (s *Service) PrintQueue(ctx context.Context, status string, q page.Query) (page.Of[PrintItem], error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return page.Of[PrintItem]{}, err
	}
	if status == "" {
		status = PrintRequested
	}
	if !PrintStatusVocab.Has(status) {
		return page.Of[PrintItem]{}, errs.Fields(errs.Field("query.status", "unknown", "没有这种打印状态",
			"no such print status", status))
	}
	rows, err := page.Fetch(q, func(after int64, limit int) ([]printRow, error) {
		return listPrintQueue(ctx, s.db, status, after, limit)
	}, func(r printRow) int64 { return r.ID })
	if err != nil {
		return page.Of[PrintItem]{}, err
	}
	out := page.Of[PrintItem]{Items: make([]PrintItem, len(rows.Items)), NextCursor: rows.NextCursor}
	for i, r := range rows.Items {
		out.Items[i] = PrintItem{CardView: s.view(r.Card), Name: r.Name}
	}
	return out, nil
}

// MarkPrinted records that the card's current version was printed, by the caller, now.
func (s *Service) MarkPrinted(ctx context.Context, serial string) (Card, error) {
	cards, err := s.PrintBatch(ctx, []string{serial})
	if err != nil {
		return Card{}, err
	}
	return cards[0], nil
}

// PrintBatch records that the cards' current versions were printed, by the caller, now: all of
// them or, when one of them is unknown, revoked or not waiting to be printed, none.
func (s *Service) PrintBatch(ctx context.Context, serials []string) ([]Card, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(serials); err != nil {
		return nil, err
	}
	out := make([]Card, len(serials))
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// Locked in the serials' order, so two batches sharing cards cannot deadlock.
		for _, i := range lockOrder(serials) {
			c, err := s.movePrintStep(ctx, tx, p, serials[i], PrintPrinted)
			if err != nil {
				return err
			}
			out[i] = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkHandedOver records that the printed card was handed to its holder, by the caller, now.
func (s *Service) MarkHandedOver(ctx context.Context, serial string) (Card, error) {
	p, err := auth.Require(ctx, officeRoles...)
	if err != nil {
		return Card{}, err
	}
	var out Card
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		out, err = s.movePrintStep(ctx, tx, p, serial, PrintHandedOver)
		return err
	})
	return out, err
}

// printSteps are the print status each step is taken from, and its audited action.
var printSteps = map[string]struct{ from, action string }{
	PrintPrinted:    {PrintRequested, "card.print"},
	PrintHandedOver: {PrintPrinted, "card.hand_over"},
}

// movePrintStep takes the card's current version to the print status to, under the card's row lock.
func (s *Service) movePrintStep(ctx context.Context, tx *sqlx.Tx, p auth.Principal, serial, to string) (Card, error) {
	before, err := cardBySerial(ctx, tx, serial, true)
	if errs.Is(err, errs.NotFound) {
		return Card{}, errPrintNotFound(serial)
	}
	if err != nil {
		return Card{}, err
	}
	step := printSteps[to]
	if to == PrintPrinted && before.Status == CardRevoked {
		return Card{}, errPrintRevoked(serial)
	}
	if string(before.PrintState.Status) != step.from {
		return Card{}, errPrintMove(serial, string(before.PrintState.Status), to)
	}
	moved, err := movePrint(ctx, tx, before, to, p)
	if err != nil {
		return Card{}, err
	}
	if !moved {
		return Card{}, errPrintMove(serial, string(before.PrintState.Status), to)
	}
	after, err := cardBySerial(ctx, tx, serial, false)
	if err != nil {
		return Card{}, err
	}
	return after, audit.Write(ctx, tx, audit.Entry{Action: step.action, EntityType: "card", EntityID: serial,
		Before: map[string]any{"print_status": step.from, "version": before.CurrentVersion},
		After:  map[string]any{"print_status": to, "version": before.CurrentVersion}})
}

// serialPattern is what a card serial looks like (as the API's schema says).
var serialPattern = regexp.MustCompile(`^[A-Z0-9-]{1,24}$`)

// checkBatch refuses an empty or oversized batch, a malformed serial and a card named twice.
func checkBatch(serials []string) error {
	if len(serials) == 0 || len(serials) > MaxPrintBatch {
		return errBatchSize
	}
	seen := make(map[string]bool, len(serials))
	for _, s := range serials {
		if !serialPattern.MatchString(s) {
			return errs.Fields(errs.Field("body.serials", "pattern", "绿卡编号格式不正确："+s, "not a card serial: "+s, s))
		}
		if seen[s] {
			return errBatchRepeat
		}
		seen[s] = true
	}
	return nil
}

// lockOrder is the indexes of serials in the serials' sorted order.
func lockOrder(serials []string) []int {
	idx := make([]int, len(serials))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(serials[a], serials[b]) })
	return idx
}

// PrintableCards returns the cards with the serials as they are printed, in the order given; only
// the office prints cards.
func (s *Service) PrintableCards(ctx context.Context, serials []string) ([]PrintableCard, error) {
	if _, err := auth.Require(ctx, officeRoles...); err != nil {
		return nil, err
	}
	if err := checkBatch(serials); err != nil {
		return nil, err
	}
	out := make([]PrintableCard, 0, len(serials))
	for _, serial := range serials {
		c, err := s.CardBySerial(ctx, serial)
		if errs.Is(err, errs.NotFound) {
			return nil, errPrintNotFound(serial)
		}
		if err != nil {
			return nil, err
		}
		pc, err := s.printable(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, pc)
	}
	return out, nil
}
