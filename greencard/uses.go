package greencard

import (
	"time"

	"talentd/internal/errs"
	"talentd/internal/idempotency"
)

// Use statuses: a recorded use counts against the holder's quota; a voided one stays in the
// history but no longer counts.
const (
	UseRecorded = "recorded"
	UseVoided   = "voided"
)

// Use is one recorded use of a service.
type Use struct {
	ID          int64      `db:"id" json:"id" doc:"What POST /v1/greencard/uses/{id}/void takes"`
	Serial      string     `db:"serial" json:"serial"`
	TalentID    int64      `db:"talent_id" json:"talent_id"`
	ServiceCode string     `db:"service_code" json:"service"`
	UsedAt      time.Time  `db:"used_at" json:"used_at" doc:"When the holder was served: for a use made offline, the time the window recorded it in the browser"`
	ReceivedAt  time.Time  `db:"received_at" json:"received_at" doc:"When the server recorded the use; later than used_at for a use sent after the window came back online"`
	Window      string     `db:"window_name" json:"window,omitempty"`
	Note        string     `db:"note" json:"note,omitempty"`
	Status      UseStatus  `db:"status" json:"status"`
	VoidedAt    *time.Time `db:"voided_at" json:"voided_at,omitempty"`
	VoidedBy    *string    `db:"voided_by" json:"voided_by,omitempty" doc:"The account that voided it"`
	VoidReason  *string    `db:"void_reason" json:"void_reason,omitempty"`
	Remaining   *int       `db:"remaining" json:"remaining" doc:"Uses of this service the holder has left this year, as of this answer; null when unlimited"`
	Unlimited   bool       `db:"unlimited" json:"unlimited" doc:"The service has no yearly quota (remaining is then null)"`
	Year        int        `db:"year" json:"-"`
	AccountID   *int64     `db:"account_id" json:"-"`
}

// UseInput is a use to record: of the card whose QR was scanned (Token) or, for a card the window
// verified today, named by its serial (CardSerial) — one of the two.
type UseInput struct {
	Token      string
	CardSerial string
	Service    string
	Window     string
	Note       string
	// UsedAt is when a window that could not reach the server served the holder; nil means now.
	// It must lie within MaxUseDelay before now and MaxUseAhead after (a clock a little fast), and
	// the use counts against the quota of its year in the district.
	UsedAt *time.Time
	// Request, when set, makes the use safe to send again: the same key and content answer the
	// first use and record nothing more (see internal/idempotency).
	Request *idempotency.Request
}

// How far an offline use's time may lie from the server's clock: a window may stay offline for a
// long weekend, and its clock may run a little fast.
const (
	MaxUseDelay = 72 * time.Hour
	MaxUseAhead = 5 * time.Minute
)

// UseCount is how often one service was used in a period.
type UseCount struct {
	Service string `db:"service_code" json:"service"`
	Name    string `db:"name_zh" json:"name"`
	Uses    int    `db:"uses" json:"uses" doc:"Voided uses do not count"`
	Holders int    `db:"holders" json:"holders" doc:"Distinct holders"`
}

// Refusals of a service use and of its voiding.
var (
	ErrNotEligible    = errs.New(errs.Conflict, "service_not_eligible", "此卡的类别不能享受这项服务", "the card's class is not eligible for this service")
	ErrQuotaExhausted = errs.New(errs.Conflict, "quota_exhausted", "这项服务本年度的次数已用完", "the yearly quota of this service is used up")
	ErrUseNotFound    = errs.New(errs.NotFound, "use_not_found", "未找到该服务使用记录", "service use not found")
	ErrUseVoided      = errs.New(errs.Conflict, "use_already_voided", "该服务使用记录已撤销，不能重复撤销", "the use is voided already")
	errUseForm        = errs.Fields(errs.Field("body", "token_or_card_serial",
		"请提供扫码得到的二维码内容（token）或卡号（card_serial），二者选一", "give either token or card_serial — one of the two", nil))
	errUsedAtAhead = errs.Fields(errs.Field("body.used_at", "in_future",
		"使用时间不能晚于当前时间5分钟以上，请检查窗口电脑的时钟", "the time of use may be at most 5 minutes ahead of now; check the window computer's clock", nil))
	errUsedAtTooOld = errs.Fields(errs.Field("body.used_at", "too_old",
		"离线登记的使用须在72小时内提交，更早的使用请联系人才办补录", "an offline use must be sent within 72 hours; ask the talent office to record an older one", nil))
)

// errCardInvalid refuses a use of a card that does not verify, saying why as the verdict would.
func errCardInvalid(reason string) error {
	return errs.New(errs.Conflict, "card_not_valid", "此卡不能使用："+ReasonVocab.Label(reason, "zh"),
		"the card does not verify: "+reason)
}

// errVoidTooLate refuses to void a use of an earlier day: the day's figures are settled.
func errVoidTooLate(usedOn string) error {
	return errs.Newf(errs.Conflict, "use_void_too_late",
		"只能撤销当天登记的服务使用记录；这条记录登记于 %s，已不能撤销",
		"only a use recorded today can be voided; this one was recorded on %s", usedOn)
}
