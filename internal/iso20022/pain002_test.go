package iso20022

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// reportLine is one TxInfAndSts a test report lists.
type reportLine struct {
	endToEnd, status, reason, amount string // amount "" leaves OrgnlTxRef out
}

// reportXML builds a pain.002.001.10 report on run, as a bank would send it: the group and block
// stating run's count and sum with status group, and the listed lines.
func reportXML(run Run, group string, lines []reportLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>BANK-RPT-1</MsgId><CreDtTm>2026-11-27T10:00:00+08:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts>
   <OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
   <OrgnlNbOfTxs>%d</OrgnlNbOfTxs><OrgnlCtrlSum>%s</OrgnlCtrlSum><GrpSts>%s</GrpSts>
  </OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts>
   <OrgnlPmtInfId>%s</OrgnlPmtInfId>
`, run.MessageID, len(run.Lines), run.ControlSum(), group, run.paymentInfoID())
	for _, l := range lines {
		fmt.Fprintf(&b, "   <TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>%s</TxSts>", l.endToEnd, l.status)
		if l.reason != "" {
			fmt.Fprintf(&b, "<StsRsnInf><Rsn><Cd>%s</Cd></Rsn><AddtlInf>账户不存在</AddtlInf></StsRsnInf>", l.reason)
		}
		if l.amount != "" {
			fmt.Fprintf(&b, `<OrgnlTxRef><Amt><InstdAmt Ccy="CNY">%s</InstdAmt></Amt></OrgnlTxRef>`, l.amount)
		}
		b.WriteString("</TxInfAndSts>\n")
	}
	b.WriteString("  </OrgnlPmtInfAndSts>\n </CstmrPmtStsRpt>\n</Document>\n")
	return b.String()
}

func read(t *testing.T, doc string) StatusReport {
	t.Helper()
	rep, err := ReadPain002(strings.NewReader(doc), 0)
	if err != nil {
		t.Fatalf("ReadPain002: %v\n%s", err, doc)
	}
	return rep
}

func TestReadPain002_RoundTrip(t *testing.T) {
	run := smallRun()
	var file bytes.Buffer
	if err := WritePain001(&file, run); err != nil {
		t.Fatal(err)
	}
	doc := reportXML(run, "PART", []reportLine{
		{"PAYOUT-1", "ACSC", "", "0.01"},
		{"PAYOUT-2", "RJCT", "AC04", "12345678.99"},
		{"PAYOUT-3", "PDNG", "", ""},
	})
	rep := read(t, doc)
	if err := rep.Check(run); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if rep.OriginalMessageID != run.MessageID || rep.MessageID != "BANK-RPT-1" || *rep.OriginalCount != 3 ||
		*rep.OriginalControlSum != run.ControlSum() || rep.Group.Code != "PART" {
		t.Errorf("group information misread: %+v", rep)
	}
	want := map[string]Status{
		"PAYOUT-1": {Code: "ACSC", Outcome: Paid},
		"PAYOUT-2": {Code: "RJCT", Outcome: Rejected, Reason: "AC04"},
		"PAYOUT-3": {Code: "PDNG", Outcome: Pending},
	}
	for id, w := range want {
		if got := rep.StatusOf(id); got != w {
			t.Errorf("StatusOf(%s) = %+v, want %+v", id, got, w)
		}
	}
	if a := rep.Lines[1].Amount; a == nil || *a != money.Fen(1234567899) {
		t.Errorf("amount of PAYOUT-2 misread: %v", a)
	}
	if bank := read(t, strings.Replace(doc, "BANK-RPT-1", "工行_RPT_20261127", 1)); bank.MessageID != "工行_RPT_20261127" {
		t.Errorf("a bank's own message id of its own characters is read as it is, got %q", bank.MessageID)
	}
	if rep.Lines[2].Amount != nil {
		t.Error("an amount the report does not state must be nil")
	}
}

func TestStatusReport_StatusOf_Inherits(t *testing.T) {
	run := smallRun()
	t.Run("unlisted lines take the group status", func(t *testing.T) {
		rep := read(t, strings.Replace(reportXML(run, "ACSC", nil), "<OrgnlPmtInfAndSts>", "<OrgnlPmtInfAndSts><PmtInfSts>ACSC</PmtInfSts>", 0))
		if got := rep.StatusOf("PAYOUT-3"); got.Outcome != Paid {
			t.Errorf("got %+v, want paid", got)
		}
	})
	t.Run("a rejected group rejects every line with its reason", func(t *testing.T) {
		doc := strings.Replace(reportXML(run, "RJCT", nil), "</GrpSts>", "</GrpSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>", 1)
		rep := read(t, doc)
		if err := rep.Check(run); err != nil {
			t.Fatal(err)
		}
		if got := rep.StatusOf("PAYOUT-1"); got != (Status{Code: "RJCT", Outcome: Rejected, Reason: "AM04"}) {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("the block status comes before the group status", func(t *testing.T) {
		doc := strings.Replace(reportXML(run, "ACCP", nil), "</OrgnlPmtInfId>", "</OrgnlPmtInfId><PmtInfSts>ACSC</PmtInfSts>", 1)
		if got := read(t, doc).StatusOf("PAYOUT-2"); got.Code != "ACSC" {
			t.Errorf("got %+v, want the block's ACSC", got)
		}
	})
	t.Run("nothing stated is pending", func(t *testing.T) {
		if got := (StatusReport{}).StatusOf("PAYOUT-1"); got != (Status{Outcome: Pending}) {
			t.Errorf("got %+v", got)
		}
	})
}

func TestStatusReport_Check(t *testing.T) {
	run := smallRun()
	ok := []reportLine{{"PAYOUT-1", "ACSC", "", "0.01"}}
	cases := []struct {
		name string
		doc  string
		want *errs.Error
	}{
		{"other message", strings.Replace(reportXML(run, "ACSC", ok), run.MessageID+"</OrgnlMsgId>", "TD-OTHER</OrgnlMsgId>", 1), ErrReportOtherMessage},
		{"not about a pain.001", strings.Replace(reportXML(run, "ACSC", ok), "pain.001.001.09", "pain.008.001.08", 1), ErrReportOtherMessage},
		{"other payment block", strings.Replace(reportXML(run, "ACSC", ok), run.MessageID+"</OrgnlPmtInfId>", "X</OrgnlPmtInfId>", 1), ErrReportOtherMessage},
		{"group count", strings.Replace(reportXML(run, "ACSC", ok), "<OrgnlNbOfTxs>3<", "<OrgnlNbOfTxs>4<", 1), ErrReportCountMismatch},
		{"group sum off by a fen", strings.Replace(reportXML(run, "ACSC", ok), ">12695679.00<", ">12695679.01<", 1), ErrReportSumMismatch},
		{"block count", strings.Replace(reportXML(run, "ACSC", ok), "</OrgnlPmtInfId>", "</OrgnlPmtInfId><OrgnlNbOfTxs>2</OrgnlNbOfTxs>", 1), ErrReportCountMismatch},
		{"block sum", strings.Replace(reportXML(run, "ACSC", ok), "</OrgnlPmtInfId>", "</OrgnlPmtInfId><OrgnlNbOfTxs>3</OrgnlNbOfTxs><OrgnlCtrlSum>1</OrgnlCtrlSum>", 1), ErrReportSumMismatch},
		{"unknown line", reportXML(run, "PART", []reportLine{{"PAYOUT-9", "RJCT", "AC04", ""}}), ErrReportUnknownLine},
		{"line twice", reportXML(run, "PART", []reportLine{{"PAYOUT-1", "ACSC", "", ""}, {"PAYOUT-1", "RJCT", "AC04", ""}}), ErrReportDuplicateLine},
		{"line amount", reportXML(run, "PART", []reportLine{{"PAYOUT-3", "ACSC", "", "350000.01"}}), ErrReportAmountMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := read(t, c.doc).Check(run)
			if !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Zh == "" || e.Message == "" {
				t.Errorf("want a bilingual Invalid error, got %#v", err)
			}
		})
	}
}

func TestReadPain002_Refuses(t *testing.T) {
	run := smallRun()
	good := reportXML(run, "PART", []reportLine{{"PAYOUT-1", "RJCT", "AC04", "0.01"}})
	deep := strings.Repeat("<SplmtryData>", 40) + strings.Repeat("</SplmtryData>", 40)
	cases := []struct {
		name string
		doc  string
		want *errs.Error
	}{
		{"empty", "", ErrReportMalformed},
		{"not XML", "PAYOUT-1,ACSC\n", ErrReportMalformed},
		{"truncated", good[:len(good)/2], ErrReportMalformed},
		{"DOCTYPE", strings.Replace(good, "<Document", "<!DOCTYPE Document [<!ENTITY x \"y\">]>\n<Document", 1), ErrReportDoctype},
		{"external entity", strings.Replace(good, "<Document", "<!DOCTYPE d SYSTEM \"file:///etc/passwd\">\n<Document", 1), ErrReportDoctype},
		{"processing instruction", strings.Replace(good, "<Document", "<?xml-stylesheet href=\"x\"?>\n<Document", 1), ErrReportDoctype},
		{"undeclared entity", strings.Replace(good, "BANK-RPT-1", "&x;", 1), ErrReportMalformed},
		{"other encoding", strings.Replace(good, "UTF-8", "GBK", 1), ErrReportMalformed},
		{"wrong namespace", strings.Replace(good, "pain.002.001.10", "pain.002.001.03", 1), ErrReportWrongKind},
		{"a pain.001", string(write(t, run)), ErrReportWrongKind},
		{"no namespace", strings.Replace(good, ` xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"`, "", 1), ErrReportWrongKind},
		{"foreign element", strings.Replace(good, "<GrpHdr>", `<GrpHdr><x:MsgId xmlns:x="urn:evil">1</x:MsgId>`, 1), ErrReportWrongKind},
		{"too deep", strings.Replace(good, "</CstmrPmtStsRpt>", deep+"</CstmrPmtStsRpt>", 1), ErrReportTooComplex},
		{"amount with three decimals", strings.Replace(good, ">0.01<", ">0.010<", 1), ErrReportBadAmount},
		{"negative amount", strings.Replace(good, ">0.01<", ">-0.01<", 1), ErrReportBadAmount},
		{"zero amount", strings.Replace(good, ">0.01<", ">0.00<", 1), ErrReportBadAmount},
		{"exponent amount", strings.Replace(good, ">0.01<", ">1e-2<", 1), ErrReportBadAmount},
		{"other currency", strings.Replace(good, `Ccy="CNY"`, `Ccy="USD"`, 1), ErrReportBadAmount},
		{"control sum with three decimals", strings.Replace(good, ">12695679.00<", ">12695679.001<", 1), ErrReportBadAmount},
		{"negative control sum", strings.Replace(good, ">12695679.00<", ">-12695679.00<", 1), ErrReportBadAmount},
		{"count not a number", strings.Replace(good, "<OrgnlNbOfTxs>3<", "<OrgnlNbOfTxs>three<", 1), ErrReportBadCount},
		{"unknown status", strings.Replace(good, "<TxSts>RJCT<", "<TxSts>PAID<", 1), ErrReportBadStatus},
		{"no original message id", strings.Replace(good, "<OrgnlMsgId>"+run.MessageID+"</OrgnlMsgId>", "", 1), ErrReportMissing},
		{"no end-to-end id", strings.Replace(good, "<OrgnlEndToEndId>PAYOUT-1</OrgnlEndToEndId>", "", 1), ErrReportMissing},
		{"id too long", strings.Replace(good, ">PAYOUT-1<", ">"+strings.Repeat("P", 36)+"<", 1), ErrReportBadText},
		{"id with a control character", strings.Replace(good, ">PAYOUT-1<", ">PAY&#9;1<", 1), ErrReportBadText},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadPain002(strings.NewReader(c.doc), 0)
			if !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Zh == "" || e.Message == "" {
				t.Errorf("want a bilingual Invalid error, got %#v", err)
			}
		})
	}
	t.Run("too many attributes", func(t *testing.T) {
		var attrs strings.Builder
		for i := range maxAttributes + 1 {
			fmt.Fprintf(&attrs, ` a%d="1"`, i)
		}
		doc := strings.Replace(good, "<GrpHdr>", "<GrpHdr"+attrs.String()+">", 1)
		if _, err := ReadPain002(strings.NewReader(doc), 0); !errors.Is(err, ErrReportTooComplex) {
			t.Fatalf("want ErrReportTooComplex, got %v", err)
		}
	})
	t.Run("larger than the limit", func(t *testing.T) {
		_, err := ReadPain002(strings.NewReader(good), int64(len(good)-1))
		if !errors.Is(err, ErrReportTooLarge) {
			t.Fatalf("want ErrReportTooLarge, got %v", err)
		}
		if _, err := ReadPain002(strings.NewReader(good), int64(len(good))); err != nil {
			t.Fatalf("a report of exactly the limit is read, got %v", err)
		}
	})
	t.Run("huge stream stops at the limit", func(t *testing.T) {
		huge := &endless{prefix: good[:200]}
		if _, err := ReadPain002(huge, 1<<20); !errors.Is(err, ErrReportTooLarge) {
			t.Fatalf("want ErrReportTooLarge, got %v", err)
		}
		if huge.read > 1<<20+1<<16 {
			t.Errorf("read %d bytes of an endless stream with a 1 MiB limit", huge.read)
		}
	})
}

// endless is a reader of a prefix followed by spaces forever, counting what was read.
type endless struct {
	prefix string
	read   int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if e.read+n < len(e.prefix) {
			p[n] = e.prefix[e.read+n]
		} else {
			p[n] = ' '
		}
		n++
	}
	e.read += n
	return n, nil
}

func TestParseDecimal(t *testing.T) {
	good := map[string]money.Fen{"0.01": 1, "12": 1200, "12.3": 1230, "12345678.99": 1234567899, "007.50": 750,
		"10000000000000": money.Max}
	for s, want := range good {
		if got, ok := parseDecimal(s); !ok || got != want {
			t.Errorf("parseDecimal(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", ".5", "1.", "1.000", "0.001", "-1", "+1", "1e2", "1,000.00", " 1", "¥1", "35万",
		"10000000000000.01", "99999999999999999", "NaN"} {
		if got, ok := parseDecimal(s); ok {
			t.Errorf("parseDecimal(%q) = %d, want refused", s, got)
		}
	}
}

func TestReadPain002_AcceptsVersions9To11(t *testing.T) {
	run := smallRun()
	for _, ns := range Pain002Namespaces {
		doc := strings.Replace(reportXML(run, "ACSC", nil), "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10", ns, 1)
		rep := read(t, doc)
		if err := rep.Check(run); err != nil {
			t.Errorf("%s: %v", ns, err)
		}
	}
}
