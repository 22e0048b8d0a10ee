package iso20022

import (
	"time"

	"talentd/internal/civil"
	"talentd/internal/money"
)

// Pain001Namespace is the XML namespace of the credit transfer files WritePain001 writes.
const Pain001Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

// Run is one payment run: the transfers the finance bureau asks its bank to make from one account
// on one day. It becomes one pain.001 message with one payment information block.
type Run struct {
	// MessageID identifies the file (GrpHdr/MsgId); the bank refuses a second file with the same
	// id, and its status report quotes it back. At most 35 characters of the SWIFT set.
	MessageID string
	// PaymentInfoID identifies the payment block (PmtInfId); empty means MessageID.
	PaymentInfoID string
	// CreatedAt is when the file was made (CreDtTm), written in district time with its offset.
	CreatedAt time.Time
	// ExecutionDate is the civil date on which the bank is asked to pay (ReqdExctnDt/Dt).
	ExecutionDate civil.Date
	// Debtor is the paying party, the district finance bureau; it is also the initiating party.
	Debtor Party
	// Lines are the transfers, at least one; each id must be unique within the run.
	Lines []Line
}

// Party is an account holder: the debtor of a run.
type Party struct {
	Name    string  // at most 140 characters
	Account Account // the account debited
	Agent   Agent   // the bank that holds Account
}

// Account identifies a bank account: exactly one of an IBAN or a local account number.
type Account struct {
	IBAN   string // an International Bank Account Number, for accounts that have one
	Number string // a domestic account number (Othr/Id), at most 34 letters or digits
}

// Agent identifies a bank: by BIC, by its CNAPS bank code (12 digits, 联行号), or both.
type Agent struct {
	BIC   string
	CNAPS string
}

// Line is one transfer of a run.
type Line struct {
	// EndToEndID travels unchanged to the creditor and back in the status report; it is how a
	// report's line is matched to the payout it pays.
	EndToEndID string
	// InstructionID is the debtor bank's reference for the line (PmtId/InstrId); optional.
	InstructionID string
	// Amount is positive, in fen; the file states it in yuan with two decimals.
	Amount money.Fen
	// CreditorName is the payee's name as the bank knows it, at most 140 characters.
	CreditorName string
	// CreditorAccount is the payee's account.
	CreditorAccount Account
	// CreditorAgent is the payee's bank.
	CreditorAgent Agent
	// Remittance is the text the payee sees on the statement, at most 140 characters; optional.
	Remittance string
}

// paymentInfoID is the PmtInfId the run is written with.
func (r Run) paymentInfoID() string {
	if r.PaymentInfoID == "" {
		return r.MessageID
	}
	return r.PaymentInfoID
}

// ControlSum is the sum of the run's line amounts, the CtrlSum the file states. Validate ensures
// it cannot overflow.
func (r Run) ControlSum() money.Fen {
	var sum money.Fen
	for _, l := range r.Lines {
		sum += l.Amount
	}
	return sum
}
