package greencard

import (
	"strings"
	"time"
	"unicode/utf8"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// CardInfo is what a verification says about the card.
type CardInfo struct {
	Serial    string     `json:"serial" example:"BS-2021-000123" doc:"What the window passes on as card_serial (service uses, agent requests)"`
	Version   int        `json:"version"`
	Class     CardClass  `json:"class"`
	Status    CardStatus `json:"status"`
	ExpiresOn civil.Date `json:"expires_on"`
}

// Holder is what the window may know of the card's holder: enough to tell, face to face, that the
// person presenting the card is its holder.
type Holder struct {
	Name       string `json:"name" doc:"Masked: the surname and asterisks"`
	BirthYear  int    `json:"birth_year" doc:"Year of birth"`
	IDLast4    string `json:"id_last4" doc:"The last four characters of the identity number"`
	Enterprise string `json:"enterprise,omitempty" doc:"The employer's name"`
	PhotoURL   string `json:"photo_url,omitempty" doc:"The holder's photo, for the account that verified the card today; absent when there is no photo"`
}

// ServiceAvailability is one catalogue service the holder may use now.
type ServiceAvailability struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Remaining *int   `json:"remaining" doc:"Uses left this year; null when unlimited"`
	Unlimited bool   `json:"unlimited" doc:"The service has no yearly quota (remaining is then null)"`
}

// Verification is the verdict on a scanned token or a looked-up serial.
type Verification struct {
	Valid    bool                  `json:"valid"`
	Reason   Reason                `json:"reason"`
	Message  string                `json:"message" doc:"The reason said to the clerk, in the language the request asked for (Accept-Language)"`
	Card     *CardInfo             `json:"card,omitempty"`
	Holder   *Holder               `json:"holder,omitempty" doc:"For a card that was identified, valid or not"`
	Services []ServiceAvailability `json:"services,omitempty"`
	talentID int64
	cardID   int64
}

// VerifyInput is what a window verifies: either the scanned QR text (Token), or the serial
// printed on the card with the last four characters of the holder's identity number.
type VerifyInput struct {
	// Token is the scanned QR text; nil when the card is looked up by Serial and IDLast4.
	Token   *string
	Serial  string
	IDLast4 string
	// Window names the counter, for the log.
	Window string
}

// Limits of the lookup by serial: after LookupAttempts failed attempts for one serial within
// LookupWindow, further attempts are refused until the oldest of them is older than LookupWindow.
const (
	LookupAttempts = 5
	LookupWindow   = 15 * time.Minute
)

// Errors of verification.
var (
	errVerifyForm = errs.Fields(errs.Field("body", "token_or_serial",
		"请扫描二维码（token），或输入卡号（serial）和身份证号后四位（id_last4），二者选一",
		"give either token, or serial and id_last4 — one of the two", nil))
	errLookupIncomplete = errs.Fields(errs.Field("body.id_last4", "required",
		"按卡号核验时，请同时输入卡号和身份证号后四位", "a lookup needs both serial and id_last4", nil))
)

// errLookupThrottled refuses a lookup of a serial that failed too often lately.
func errLookupThrottled(retryAfter time.Duration) error {
	e := errs.New(errs.TooManyRequests, "lookup_throttled",
		"此卡号的核验失败次数过多，请稍后再试，或请持卡人出示二维码",
		"too many failed lookups of this serial; try again later, or scan the card's QR code")
	e.RetryAfterSeconds = max(int((retryAfter+time.Second-1)/time.Second), 1)
	return e
}

// maskName keeps the first character (the surname; two for a compound surname of four-character
// names) and hides the rest.
func maskName(name string) string {
	n := utf8.RuneCountInString(name)
	keep := 1
	if n >= 4 {
		keep = 2
	}
	r := []rune(name)
	if n <= keep {
		return string(r[:1]) + "*"
	}
	return string(r[:keep]) + strings.Repeat("*", n-keep)
}
