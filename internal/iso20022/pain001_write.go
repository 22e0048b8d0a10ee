package iso20022

import (
	"encoding/xml"
	"io"
	"strconv"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// The structs below mirror pain.001.001.09 for the elements talentd writes. encoding/xml writes
// fields in declaration order, so each struct lists its fields in the schema's sequence; the
// element-order test checks the output against that sequence.

type p001Document struct {
	XMLName xml.Name       `xml:"Document"`
	Xmlns   string         `xml:"xmlns,attr"`
	Msg     p001Initiation `xml:"CstmrCdtTrfInitn"`
}

type p001Initiation struct {
	GrpHdr p001GroupHeader `xml:"GrpHdr"`
	PmtInf p001PaymentInfo `xml:"PmtInf"`
}

type p001GroupHeader struct {
	MsgID    string    `xml:"MsgId"`
	CreDtTm  string    `xml:"CreDtTm"`
	NbOfTxs  string    `xml:"NbOfTxs"`
	CtrlSum  string    `xml:"CtrlSum"`
	InitgPty p001Party `xml:"InitgPty"`
}

type p001PaymentInfo struct {
	PmtInfID    string            `xml:"PmtInfId"`
	PmtMtd      string            `xml:"PmtMtd"`
	NbOfTxs     string            `xml:"NbOfTxs"`
	CtrlSum     string            `xml:"CtrlSum"`
	ReqdExctnDt p001Date          `xml:"ReqdExctnDt"`
	Dbtr        p001Party         `xml:"Dbtr"`
	DbtrAcct    p001Account       `xml:"DbtrAcct"`
	DbtrAgt     p001Agent         `xml:"DbtrAgt"`
	CdtTrfTxInf []p001Transaction `xml:"CdtTrfTxInf"`
}

type p001Date struct {
	Dt string `xml:"Dt"`
}

type p001Party struct {
	Nm string `xml:"Nm"`
}

type p001Account struct {
	ID struct {
		IBAN string            `xml:"IBAN,omitempty"`
		Othr *p001OtherAccount `xml:"Othr"`
	} `xml:"Id"`
}

type p001Agent struct {
	FinInstnID struct {
		BICFI       string              `xml:"BICFI,omitempty"`
		ClrSysMmbID *p001ClearingMember `xml:"ClrSysMmbId"`
	} `xml:"FinInstnId"`
}

type p001Transaction struct {
	PmtID struct {
		InstrID    string `xml:"InstrId,omitempty"`
		EndToEndID string `xml:"EndToEndId"`
	} `xml:"PmtId"`
	Amt struct {
		InstdAmt p001Amount `xml:"InstdAmt"`
	} `xml:"Amt"`
	CdtrAgt  p001Agent       `xml:"CdtrAgt"`
	Cdtr     p001Party       `xml:"Cdtr"`
	CdtrAcct p001Account     `xml:"CdtrAcct"`
	RmtInf   *p001Remittance `xml:"RmtInf"`
}

type p001OtherAccount struct {
	ID string `xml:"Id"`
}

type p001ClearingMember struct {
	ClrSysID struct {
		Cd string `xml:"Cd"`
	} `xml:"ClrSysId"`
	MmbID string `xml:"MmbId"`
}

type p001Remittance struct {
	Ustrd string `xml:"Ustrd"`
}

type p001Amount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// cnapsClearingSystem is the ISO external code of China's National Advanced Payment System, under
// which a CNAPS bank code is a clearing system member id.
const cnapsClearingSystem = "CNAPS"

// creationLayout is ISODateTime to the second with the zone offset.
const creationLayout = "2006-01-02T15:04:05-07:00"

// WritePain001 validates run and writes it to w as a pain.001.001.09 Document: an XML
// declaration, then the message indented by two spaces, ending with a newline. The same run
// always gives the same bytes. Nothing is written when the run is invalid (the error matches
// ErrInvalidRun).
func WritePain001(w io.Writer, run Run) error {
	if err := run.Validate(); err != nil {
		return err
	}
	count := strconv.Itoa(len(run.Lines))
	sum := run.ControlSum().String()
	debtor := p001Party{Nm: run.Debtor.Name}
	doc := p001Document{Xmlns: Pain001Namespace, Msg: p001Initiation{
		GrpHdr: p001GroupHeader{
			MsgID:    run.MessageID,
			CreDtTm:  run.CreatedAt.In(civil.District).Format(creationLayout),
			NbOfTxs:  count,
			CtrlSum:  sum,
			InitgPty: debtor,
		},
		PmtInf: p001PaymentInfo{
			PmtInfID:    run.paymentInfoID(),
			PmtMtd:      "TRF",
			NbOfTxs:     count,
			CtrlSum:     sum,
			ReqdExctnDt: p001Date{Dt: run.ExecutionDate.String()},
			Dbtr:        debtor,
			DbtrAcct:    accountXML(run.Debtor.Account),
			DbtrAgt:     agentXML(run.Debtor.Agent),
			CdtTrfTxInf: make([]p001Transaction, len(run.Lines)),
		},
	}}
	for i, l := range run.Lines {
		tx := &doc.Msg.PmtInf.CdtTrfTxInf[i]
		tx.PmtID.InstrID = l.InstructionID
		tx.PmtID.EndToEndID = l.EndToEndID
		tx.Amt.InstdAmt = p001Amount{Ccy: Currency, Value: l.Amount.String()}
		tx.CdtrAgt = agentXML(l.CreditorAgent)
		tx.Cdtr = p001Party{Nm: l.CreditorName}
		tx.CdtrAcct = accountXML(l.CreditorAccount)
		if l.Remittance != "" {
			tx.RmtInf = &p001Remittance{Ustrd: l.Remittance}
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return errWrite.With(err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return errWrite.With(err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return errWrite.With(err)
	}
	return nil
}

var errWrite = errs.New(errs.Internal, "payment_file_write_failed",
	"付款文件写入失败，请稍后重试", "the credit transfer file could not be written")

func accountXML(a Account) p001Account {
	var x p001Account
	x.ID.IBAN = a.IBAN
	if a.Number != "" {
		x.ID.Othr = &p001OtherAccount{ID: a.Number}
	}
	return x
}

func agentXML(a Agent) p001Agent {
	var x p001Agent
	x.FinInstnID.BICFI = a.BIC
	if a.CNAPS != "" {
		m := &p001ClearingMember{MmbID: a.CNAPS}
		m.ClrSysID.Cd = cnapsClearingSystem
		x.FinInstnID.ClrSysMmbID = m
	}
	return x
}
