package greencard

import (
	"fmt"
	"html/template"
	"time"

	"talentd/internal/errs"
)

// Print statuses of a card version: every issue or reissue asks for the new version to be printed;
// the office prints it, then hands it over to the holder.
const (
	PrintRequested  = "requested"
	PrintPrinted    = "printed"
	PrintHandedOver = "handed_over"
)

// MaxPrintBatch is the most cards one batch marks printed: 25 A4 sheets of 8.
const MaxPrintBatch = 200

// PrintState is where the printing of a card's current version stands, and who moved it on.
type PrintState struct {
	Status       PrintStatus `db:"print_status" json:"status"`
	RequestedAt  time.Time   `db:"print_requested_at" json:"requested_at" doc:"When the version was issued and its printing asked for"`
	PrintedAt    *time.Time  `db:"printed_at" json:"printed_at,omitempty"`
	PrintedBy    *string     `db:"printed_by" json:"printed_by,omitempty" doc:"The account that printed it"`
	HandedOverAt *time.Time  `db:"handed_over_at" json:"handed_over_at,omitempty"`
	HandedOverBy *string     `db:"handed_over_by" json:"handed_over_by,omitempty" doc:"The account that handed it to the holder"`
}

// PrintItem is a card in the print queue: the card and the name printed on it.
type PrintItem struct {
	CardView
	Name string `json:"name" doc:"The holder's name, as printed on the card"`
}

// PrintableCard is what a printed card shows; QR and Photo are data: URIs, so a page that prints
// it needs nothing but its own style sheet.
type PrintableCard struct {
	Serial  string
	Version int
	Class   string
	Name    string
	Expires string
	QR      template.URL
	// Photo is empty when the holder has none.
	Photo template.URL
}

// Errors of the print workflow.
var (
	errBatchSize = errs.Fields(errs.Field("body.serials", "count", fmt.Sprintf("请选择1至%d张绿卡", MaxPrintBatch),
		fmt.Sprintf("name 1 to %d cards", MaxPrintBatch), nil))
	errBatchRepeat = errs.Fields(errs.Field("body.serials", "repeated", "同一张绿卡只能选一次", "a card is named twice", nil))
)

// errPrintMove refuses a print step the card's print status does not allow.
func errPrintMove(serial, from, to string) error {
	return errs.New(errs.Conflict, "card_print_conflict",
		fmt.Sprintf("绿卡 %s 的打印状态为“%s”，不能标记为“%s”", serial,
			PrintStatusVocab.Label(from, "zh"), PrintStatusVocab.Label(to, "zh")),
		fmt.Sprintf("card %s is %s: it cannot be marked %s", serial, from, to))
}

// errPrintRevoked refuses to print a revoked card.
func errPrintRevoked(serial string) error {
	return errs.New(errs.Conflict, "card_revoked_not_printed", fmt.Sprintf("绿卡 %s 已注销，不能打印", serial),
		fmt.Sprintf("card %s is revoked: it is not printed", serial))
}

// errPrintNotFound names the card of a batch that does not exist.
func errPrintNotFound(serial string) error {
	return errs.New(errs.NotFound, "card_not_found", fmt.Sprintf("未找到绿卡 %s", serial), fmt.Sprintf("card %s not found", serial))
}
