package iso20022

import "talentd/internal/money"

// Pain002Namespaces are the namespaces of the status reports ReadPain002 accepts: versions 9, 10
// and 11 of pain.002 agree on every element talentd reads.
var Pain002Namespaces = []string{
	"urn:iso:std:iso:20022:tech:xsd:pain.002.001.09",
	"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
	"urn:iso:std:iso:20022:tech:xsd:pain.002.001.11",
}

// Outcome is what a status means for a payout.
type Outcome string

// The outcomes of a line.
const (
	Paid     Outcome = "paid"     // the creditor's account is credited (or the debtor's debited for settlement)
	Rejected Outcome = "rejected" // the bank will not pay it; Reason says why
	Pending  Outcome = "pending"  // accepted or received, not yet settled
)

// statusOutcomes maps each ISO 20022 payment status (ExternalPaymentTransactionStatus1Code,
// ExternalPaymentGroupStatus1Code) to its outcome; a status not listed is refused when read.
var statusOutcomes = map[string]Outcome{
	"ACSC": Paid,     // accepted, settlement completed (debtor's account)
	"ACCC": Paid,     // accepted, settlement completed (creditor's account)
	"RJCT": Rejected, // rejected
	"CANC": Rejected, // cancelled
	"ACCP": Pending,  // accepted after customer profile check
	"ACSP": Pending,  // accepted, settlement in process
	"ACTC": Pending,  // accepted after technical validation
	"ACWC": Pending,  // accepted with change
	"ACWP": Pending,  // accepted without posting
	"ACFC": Pending,  // accepted, funds checked
	"ACIS": Pending,  // accepted and settlement initiated
	"ACPD": Pending,  // accepted, clearing processed
	"BLCK": Pending,  // blocked: funds held, may still be released
	"PATC": Pending,  // partially accepted, technically correct
	"PDNG": Pending,  // pending
	"RCVD": Pending,  // received
	"PART": Pending,  // partially accepted: the lines' own statuses say which
}

// StatusReport is a bank's pain.002 about one pain.001 message, as read by ReadPain002. Counts and
// sums the bank left out are nil. Check compares it with the run it reports on.
type StatusReport struct {
	MessageID           string     // the report's own GrpHdr/MsgId
	OriginalMessageID   string     // OrgnlMsgId: the MessageID of the run reported on
	OriginalMessageKind string     // OrgnlMsgNmId, such as "pain.001.001.09"
	OriginalCount       *int       // OrgnlNbOfTxs
	OriginalControlSum  *money.Fen // OrgnlCtrlSum
	Group               Status     // GrpSts and its first reason, if stated
	Payments            []PaymentStatus
	Lines               []LineStatus // every TxInfAndSts, in document order
}

// Status is a stated status of a group, a payment block or a line; Code is empty when the bank
// stated none.
type Status struct {
	Code    string  // the ISO code, such as "ACSC" or "RJCT"
	Outcome Outcome // what Code means for a payout; empty when Code is
	Reason  string  // StsRsnInf/Rsn/Cd (or Prtry) of the first reason given, such as "AC04"
}

// PaymentStatus is an OrgnlPmtInfAndSts block.
type PaymentStatus struct {
	OriginalPaymentInfoID string     // OrgnlPmtInfId
	OriginalCount         *int       // OrgnlNbOfTxs
	OriginalControlSum    *money.Fen // OrgnlCtrlSum
	Status                Status     // PmtInfSts
}

// LineStatus is one TxInfAndSts: the status of one line of the run.
type LineStatus struct {
	EndToEndID    string     // OrgnlEndToEndId
	InstructionID string     // OrgnlInstrId, when stated
	Amount        *money.Fen // OrgnlTxRef/Amt/InstdAmt, when stated
	Status        Status     // TxSts
	payment       int        // index into Payments of the block the line was listed in
}
