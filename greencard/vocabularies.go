package greencard

import (
	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/vocab"
	"talentd/talent"
)

// The green card's enumerations, each stated once: the API schema, the service's checks, the
// verdict's message and GET /v1/vocabularies read them from here, and a test holds the database's
// CHECK constraints to them. A card's class is the registry's grade (talent.GradeVocab).
var (
	// CardStatusVocab: the stored statuses, and "expired", which is derived from the expiry date.
	CardStatusVocab = vocab.NewList("card_status",
		vocab.T(CardActive, "有效", "Active"),
		vocab.T(CardSuspended, "已暂停使用", "Suspended"),
		vocab.T(CardRevoked, "已注销", "Revoked"),
		vocab.T(CardExpired, "已过期", "Expired"),
	)
	// ReasonVocab: the reasons of a verdict, labelled with what the clerk at the window is told.
	ReasonVocab = vocab.NewList("verdict_reason",
		vocab.T(ReasonValid, "此卡有效", "The card is valid"),
		vocab.T(ReasonMalformed, "无法识别此二维码，请让持卡人重新出示", "The QR code cannot be read; ask the holder to show it again"),
		vocab.T(ReasonBadSignature, "此卡签名无效，可能是伪造的卡，请勿办理", "The card's signature does not verify: it may be forged"),
		vocab.T(ReasonUnknownKey, "此卡不是用本区的密钥签发的，请勿办理", "The card was not signed with a key of this district"),
		vocab.T(ReasonNotFound, "未找到此卡，请核对后重试", "No such card was found; check and try again"),
		vocab.T(ReasonSuperseded, "此卡已换发新卡，旧卡不能再用", "The card was reissued; this older card no longer counts"),
		vocab.T(ReasonSuspended, "此卡已暂停使用", "The card is suspended"),
		vocab.T(ReasonRevoked, "此卡已注销", "The card is revoked"),
		vocab.T(ReasonExpired, "此卡已过有效期", "The card has expired"),
	)
	// RequestStatusVocab: the steps of an agent request.
	RequestStatusVocab = vocab.NewList("request_status",
		vocab.T(RequestSubmitted, "待受理", "Submitted"),
		vocab.T(RequestAccepted, "已受理", "Accepted"),
		vocab.T(RequestInProgress, "办理中", "In progress"),
		vocab.T(RequestResolved, "已办结", "Resolved"),
		vocab.T(RequestRejected, "不予办理", "Rejected"),
	)
	// RequestActionVocab: what a commissioner or the office does to move a request on.
	RequestActionVocab = vocab.NewList("request_action",
		vocab.T(ActionAccept, "接哨", "Accept"),
		vocab.T(ActionStart, "开始办理", "Start work"),
		vocab.T(ActionResolve, "办结", "Resolve"),
		vocab.T(ActionReject, "不予办理", "Reject"),
	)
	// UseStatusVocab: a recorded service use, or one voided the same day.
	UseStatusVocab = vocab.NewList("use_status",
		vocab.T(UseRecorded, "已登记", "Recorded"),
		vocab.T(UseVoided, "已撤销", "Voided"),
	)
	// VerifyMethodVocab: how the window identified a card.
	VerifyMethodVocab = vocab.NewList("verification_method",
		vocab.T(MethodQR, "扫描二维码", "Scanned QR code"),
		vocab.T(MethodSerial, "卡号和身份证号后四位", "Serial and last four of the identity number"),
	)
	// RevocationReasonVocab: what an offline client learns from the revocation list.
	RevocationReasonVocab = vocab.NewList("revocation_reason",
		vocab.T(ReasonSuperseded, "已换发新卡", "Superseded"),
		vocab.T(CardSuspended, "已暂停使用", "Suspended"),
		vocab.T(CardRevoked, "已注销", "Revoked"),
		vocab.T(CardActive, "已恢复使用", "Active again (a suspension was lifted)"),
	)
	// KeyStatusVocab: a signing key signs new cards while active; retired, it still verifies its cards.
	KeyStatusVocab = vocab.NewList("signing_key_status",
		vocab.T(KeyActive, "使用中", "Active"),
		vocab.T(KeyRetired, "已停用", "Retired"),
	)
	// PrintStatusVocab: the printing of a card version, from its issue to the holder's hands.
	PrintStatusVocab = vocab.NewList("card_print_status",
		vocab.T(PrintRequested, "待打印", "Waiting to be printed"),
		vocab.T(PrintPrinted, "已打印", "Printed"),
		vocab.T(PrintHandedOver, "已交付", "Handed over"),
	)
)

// Vocabularies lists the green card's enumerations for GET /v1/vocabularies. The service catalogue,
// which the office edits, comes from Service.ServiceVocabulary.
func Vocabularies() []*vocab.List {
	return []*vocab.List{CardStatusVocab, ReasonVocab, RequestStatusVocab, RequestActionVocab, UseStatusVocab,
		VerifyMethodVocab, RevocationReasonVocab, KeyStatusVocab, PrintStatusVocab}
}

// CardClass is a card's class, the holder's grade A–D.
type CardClass string

// Schema is the registry's grade list.
func (CardClass) Schema(huma.Registry) *huma.Schema { return talent.GradeVocab.Schema() }

// CardStatus is a card's status as a holder and a window see it.
type CardStatus string

// Schema lists the card statuses.
func (CardStatus) Schema(huma.Registry) *huma.Schema { return CardStatusVocab.Schema() }

// Reason is the reason code of a verdict.
type Reason string

// Schema lists the verdict reasons.
func (Reason) Schema(huma.Registry) *huma.Schema { return ReasonVocab.Schema() }

// RequestStatus is where an agent request stands.
type RequestStatus string

// Schema lists the request statuses.
func (RequestStatus) Schema(huma.Registry) *huma.Schema { return RequestStatusVocab.Schema() }

// UseStatus says whether a service use counts or was voided.
type UseStatus string

// Schema lists the use statuses.
func (UseStatus) Schema(huma.Registry) *huma.Schema { return UseStatusVocab.Schema() }

// RevocationReason is what changed for one serial-version in the revocation list.
type RevocationReason string

// Schema lists the revocation reasons.
func (RevocationReason) Schema(huma.Registry) *huma.Schema { return RevocationReasonVocab.Schema() }

// KeyStatus is a signing key's status.
type KeyStatus string

// Schema lists the signing key statuses.
func (KeyStatus) Schema(huma.Registry) *huma.Schema { return KeyStatusVocab.Schema() }

// PrintStatus is where the printing of a card version stands.
type PrintStatus string

// Schema lists the print statuses.
func (PrintStatus) Schema(huma.Registry) *huma.Schema { return PrintStatusVocab.Schema() }
