package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
)

// particle is one element of a complex type's content: its name, the type it has and how often
// it may occur. A type with choice set holds exactly one of its particles.
type particle struct {
	name     string
	typ      string
	min, max int
}

const unbounded = 1 << 30

// contentModel is the content of the pain.001.001.09 complex types talentd writes, taken from
// the ISO 20022 schema: the full sequence of each type (including the elements talentd never
// writes, so that an out-of-order element shows), with cardinalities. A type not listed here is
// simple content.
var contentModel = map[string]struct {
	choice    bool
	particles []particle
}{
	"Document":                            {particles: []particle{{"CstmrCdtTrfInitn", "CustomerCreditTransferInitiationV09", 1, 1}}},
	"CustomerCreditTransferInitiationV09": {particles: []particle{{"GrpHdr", "GroupHeader85", 1, 1}, {"PmtInf", "PaymentInstruction30", 1, unbounded}, {"SplmtryData", "?", 0, unbounded}}},
	"GroupHeader85": {particles: []particle{{"MsgId", "", 1, 1}, {"CreDtTm", "", 1, 1}, {"Authstn", "?", 0, 2},
		{"NbOfTxs", "", 1, 1}, {"CtrlSum", "", 0, 1}, {"InitgPty", "PartyIdentification135", 1, 1}, {"FwdgAgt", "?", 0, 1}}},
	"PaymentInstruction30": {particles: []particle{{"PmtInfId", "", 1, 1}, {"PmtMtd", "", 1, 1}, {"BtchBookg", "", 0, 1},
		{"NbOfTxs", "", 0, 1}, {"CtrlSum", "", 0, 1}, {"PmtTpInf", "?", 0, 1}, {"ReqdExctnDt", "DateAndDateTime2Choice", 1, 1},
		{"PoolgAdjstmntDt", "", 0, 1}, {"Dbtr", "PartyIdentification135", 1, 1}, {"DbtrAcct", "CashAccount38", 1, 1},
		{"DbtrAgt", "BranchAndFinancialInstitutionIdentification6", 1, 1}, {"DbtrAgtAcct", "?", 0, 1},
		{"InstrForDbtrAgt", "", 0, 1}, {"UltmtDbtr", "?", 0, 1}, {"ChrgBr", "", 0, 1}, {"ChrgsAcct", "?", 0, 1},
		{"ChrgsAcctAgt", "?", 0, 1}, {"CdtTrfTxInf", "CreditTransferTransaction34", 1, unbounded}}},
	"DateAndDateTime2Choice": {choice: true, particles: []particle{{"Dt", "", 1, 1}, {"DtTm", "", 1, 1}}},
	"PartyIdentification135": {particles: []particle{{"Nm", "", 0, 1}, {"PstlAdr", "?", 0, 1}, {"Id", "?", 0, 1},
		{"CtryOfRes", "", 0, 1}, {"CtctDtls", "?", 0, 1}}},
	"CashAccount38": {particles: []particle{{"Id", "AccountIdentification4Choice", 1, 1}, {"Tp", "?", 0, 1},
		{"Ccy", "", 0, 1}, {"Nm", "", 0, 1}, {"Prxy", "?", 0, 1}}},
	"AccountIdentification4Choice":  {choice: true, particles: []particle{{"IBAN", "", 1, 1}, {"Othr", "GenericAccountIdentification1", 1, 1}}},
	"GenericAccountIdentification1": {particles: []particle{{"Id", "", 1, 1}, {"SchmeNm", "?", 0, 1}, {"Issr", "", 0, 1}}},
	"BranchAndFinancialInstitutionIdentification6": {particles: []particle{{"FinInstnId", "FinancialInstitutionIdentification18", 1, 1},
		{"BrnchId", "?", 0, 1}}},
	"FinancialInstitutionIdentification18": {particles: []particle{{"BICFI", "", 0, 1},
		{"ClrSysMmbId", "ClearingSystemMemberIdentification2", 0, 1}, {"LEI", "", 0, 1}, {"Nm", "", 0, 1},
		{"PstlAdr", "?", 0, 1}, {"Othr", "?", 0, 1}}},
	"ClearingSystemMemberIdentification2": {particles: []particle{{"ClrSysId", "ClearingSystemIdentification2Choice", 0, 1},
		{"MmbId", "", 1, 1}}},
	"ClearingSystemIdentification2Choice": {choice: true, particles: []particle{{"Cd", "", 1, 1}, {"Prtry", "", 1, 1}}},
	"CreditTransferTransaction34": {particles: []particle{{"PmtId", "PaymentIdentification6", 1, 1}, {"PmtTpInf", "?", 0, 1},
		{"Amt", "AmountType4Choice", 1, 1}, {"XchgRateInf", "?", 0, 1}, {"ChrgBr", "", 0, 1}, {"ChqInstr", "?", 0, 1},
		{"UltmtDbtr", "?", 0, 1}, {"IntrmyAgt1", "?", 0, 1}, {"IntrmyAgt1Acct", "?", 0, 1}, {"IntrmyAgt2", "?", 0, 1},
		{"IntrmyAgt2Acct", "?", 0, 1}, {"IntrmyAgt3", "?", 0, 1}, {"IntrmyAgt3Acct", "?", 0, 1},
		{"CdtrAgt", "BranchAndFinancialInstitutionIdentification6", 0, 1}, {"CdtrAgtAcct", "?", 0, 1},
		{"Cdtr", "PartyIdentification135", 0, 1}, {"CdtrAcct", "CashAccount38", 0, 1}, {"UltmtCdtr", "?", 0, 1},
		{"InstrForCdtrAgt", "?", 0, unbounded}, {"InstrForDbtrAgt", "?", 0, 1}, {"Purp", "?", 0, 1},
		{"RgltryRptg", "?", 0, 10}, {"Tax", "?", 0, 1}, {"RltdRmtInf", "?", 0, 10},
		{"RmtInf", "RemittanceInformation16", 0, 1}, {"SplmtryData", "?", 0, unbounded}}},
	"PaymentIdentification6":  {particles: []particle{{"InstrId", "", 0, 1}, {"EndToEndId", "", 1, 1}, {"UETR", "", 0, 1}}},
	"AmountType4Choice":       {choice: true, particles: []particle{{"InstdAmt", "", 1, 1}, {"EqvtAmt", "?", 1, 1}}},
	"RemittanceInformation16": {particles: []particle{{"Ustrd", "", 0, unbounded}, {"Strd", "?", 0, unbounded}}},
}

// checkContent reads the children of the element just started (of schema type typ) from d and
// reports the first child that is out of order, repeated too often, missing or unknown.
func checkContent(d *xml.Decoder, path, typ string) error {
	model, complexType := contentModel[typ]
	if !complexType {
		// Simple content, or a type talentd never writes ("?"): no child elements expected.
		for {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			switch tok.(type) {
			case xml.StartElement:
				return errors.New(path + ": unexpected child element in simple content")
			case xml.EndElement:
				return nil
			}
		}
	}
	pos, seen, chosen := 0, make([]int, len(model.particles)), 0
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != Pain001Namespace {
				return errors.New(path + "/" + t.Name.Local + ": wrong namespace " + t.Name.Space)
			}
			i := pos
			for i < len(model.particles) && model.particles[i].name != t.Name.Local {
				i++
			}
			if i == len(model.particles) {
				return errors.New(path + "/" + t.Name.Local + ": not allowed here (out of order or unknown)")
			}
			for j := pos; j < i && !model.choice; j++ {
				if seen[j] < model.particles[j].min {
					return errors.New(path + "/" + model.particles[j].name + ": missing")
				}
			}
			if model.choice && (chosen > 0 && i != pos) {
				return errors.New(path + "/" + t.Name.Local + ": a choice holds one element")
			}
			pos, chosen = i, chosen+1
			seen[i]++
			if seen[i] > model.particles[i].max {
				return errors.New(path + "/" + t.Name.Local + ": occurs too often")
			}
			if err := checkContent(d, path+"/"+t.Name.Local, model.particles[i].typ); err != nil {
				return err
			}
		case xml.EndElement:
			if model.choice {
				if chosen != 1 {
					return errors.New(path + ": a choice needs exactly one element")
				}
				return nil
			}
			for j := pos; j < len(model.particles); j++ {
				if seen[j] < model.particles[j].min {
					return errors.New(path + "/" + model.particles[j].name + ": missing")
				}
			}
			return nil
		}
	}
}

// checkDocument checks a whole pain.001 document against contentModel.
func checkDocument(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		if t, ok := tok.(xml.StartElement); ok {
			if t.Name.Local != "Document" || t.Name.Space != Pain001Namespace {
				return errors.New("the root is not a pain.001.001.09 Document")
			}
			if err := checkContent(d, "Document", "Document"); err != nil {
				return err
			}
			for {
				tok, err := d.Token()
				if err == io.EOF {
					return nil
				}
				if c, ok := tok.(xml.CharData); err != nil || !ok || len(bytes.TrimSpace(c)) > 0 {
					return errors.New("content after the Document")
				}
			}
		}
	}
}

func TestWritePain001_FollowsTheSchemaOrder(t *testing.T) {
	if err := checkDocument(write(t, smallRun())); err != nil {
		t.Fatal(err)
	}
	// The checker must be able to fail: an element moved out of its place is reported.
	swapped := bytes.Replace(write(t, smallRun()), []byte("<NbOfTxs>3</NbOfTxs>\n      <CtrlSum>12695679.00</CtrlSum>"),
		[]byte("<CtrlSum>12695679.00</CtrlSum>\n      <NbOfTxs>3</NbOfTxs>"), 1)
	if err := checkDocument(swapped); err == nil {
		t.Error("a CtrlSum before NbOfTxs went unnoticed")
	}
	missing := bytes.Replace(write(t, smallRun()), []byte("<PmtMtd>TRF</PmtMtd>"), nil, 1)
	if err := checkDocument(missing); err == nil {
		t.Error("a missing PmtMtd went unnoticed")
	}
}
