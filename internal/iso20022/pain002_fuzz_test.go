package iso20022

import (
	"strings"
	"testing"
)

// FuzzReadPain002 feeds arbitrary bytes to the reader: it must return a report or an error, never
// panic, and a report it accepts must go through Check and StatusOf without panicking.
func FuzzReadPain002(f *testing.F) {
	run := smallRun()
	f.Add(reportXML(run, "PART", []reportLine{{"PAYOUT-1", "RJCT", "AC04", "0.01"}, {"PAYOUT-2", "ACSC", "", "12345678.99"}}))
	f.Add(reportXML(run, "RJCT", nil))
	f.Add(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"><CstmrPmtStsRpt/></Document>`)
	f.Add(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`)
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		rep, err := ReadPain002(strings.NewReader(doc), 1<<16)
		if err != nil {
			return
		}
		_ = rep.Check(run)
		for _, l := range run.Lines {
			s := rep.StatusOf(l.EndToEndID)
			if s.Code != "" && s.Outcome == "" {
				t.Errorf("status %q has no outcome", s.Code)
			}
		}
	})
}
