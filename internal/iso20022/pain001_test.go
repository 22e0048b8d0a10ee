package iso20022

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// smallRun is a run of three lines covering each way of naming an account and a bank.
func smallRun() Run {
	return Run{
		MessageID:     "TD-20261126-0001",
		CreatedAt:     time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC),
		ExecutionDate: civil.New(2026, 11, 27),
		Debtor: Party{
			Name:    "璧山区财政局",
			Account: Account{Number: "3100021309024567890"},
			Agent:   Agent{BIC: "ICBKCNBJCQG", CNAPS: "102653000018"},
		},
		Lines: []Line{
			{EndToEndID: "PAYOUT-1", InstructionID: "TD-1-1", Amount: 1, CreditorName: "张三",
				CreditorAccount: Account{Number: "6222021309001234567"}, CreditorAgent: Agent{CNAPS: "102653000026"},
				Remittance: "2026年璧山英才奖励 第一批"},
			{EndToEndID: "PAYOUT-2", Amount: 1234567899, CreditorName: "重庆某某科技有限公司",
				CreditorAccount: Account{Number: "50001083600050201234"}, CreditorAgent: Agent{BIC: "PCBCCNBJCQX"}},
			{EndToEndID: "PAYOUT-3", Amount: 35000000, CreditorName: "Li & <Wang>",
				CreditorAccount: Account{IBAN: "DE89370400440532013000"}, CreditorAgent: Agent{BIC: "COBADEFF"},
				Remittance: "award \"A\" & 'B'"},
		},
	}
}

func write(t *testing.T, run Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WritePain001(&b, run); err != nil {
		t.Fatalf("WritePain001: %v", err)
	}
	return b.Bytes()
}

func TestWritePain001_Golden(t *testing.T) {
	got := write(t, smallRun())
	golden := filepath.Join("testdata", "pain001_small.xml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update after checking the change):\n%s", golden, got)
	}
	if !bytes.Equal(write(t, smallRun()), got) {
		t.Error("the same run gave different bytes")
	}
}

func TestWritePain001_ControlSum(t *testing.T) {
	cases := []struct {
		name    string
		amounts []money.Fen
		want    string
	}{
		{"three fen", []money.Fen{1, 1, 1}, "<CtrlSum>0.03</CtrlSum>"},
		{"large with odd fen", []money.Fen{1234567899, 1}, "<CtrlSum>12345679.00</CtrlSum>"},
		{"one large", []money.Fen{1234567899}, "<CtrlSum>12345678.99</CtrlSum>"},
		{"whole yuan", []money.Fen{100, 200}, "<CtrlSum>3.00</CtrlSum>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := smallRun()
			run.Lines = nil
			for i, a := range c.amounts {
				l := smallRun().Lines[0]
				l.EndToEndID, l.InstructionID, l.Amount = "E"+string(rune('A'+i)), "", a
				run.Lines = append(run.Lines, l)
			}
			out := string(write(t, run))
			if n := strings.Count(out, c.want); n != 2 {
				t.Errorf("want %s in the group header and the payment block, found %d times:\n%s", c.want, n, out)
			}
		})
	}
	t.Run("amounts have exactly two decimals", func(t *testing.T) {
		out := string(write(t, smallRun()))
		for _, want := range []string{`<InstdAmt Ccy="CNY">0.01</InstdAmt>`, `<InstdAmt Ccy="CNY">12345678.99</InstdAmt>`,
			`<InstdAmt Ccy="CNY">350000.00</InstdAmt>`} {
			if !strings.Contains(out, want) {
				t.Errorf("missing %s", want)
			}
		}
	})
}

func TestRun_Validate(t *testing.T) {
	cases := []struct {
		name     string
		change   func(*Run)
		location string
		code     string
	}{
		{"no lines", func(r *Run) { r.Lines = nil }, "lines", "required"},
		{"zero amount", func(r *Run) { r.Lines[1].Amount = 0 }, "lines[1].amount", "not_positive"},
		{"negative amount", func(r *Run) { r.Lines[0].Amount = -5 }, "lines[0].amount", "not_positive"},
		{"amount beyond max", func(r *Run) { r.Lines[0].Amount = money.Max + 1 }, "lines[0].amount", "too_large"},
		{"total beyond max", func(r *Run) { r.Lines[0].Amount, r.Lines[1].Amount = money.Max, money.Max }, "lines", "total_too_large"},
		{"message id too long", func(r *Run) { r.MessageID = strings.Repeat("M", 36) }, "message_id", "too_long"},
		{"message id at the limit is fine, end-to-end id with a space", func(r *Run) {
			r.MessageID = strings.Repeat("M", 35)
			r.Lines[0].EndToEndID = "PAY 1"
		}, "lines[0].end_to_end_id", "invalid_characters"},
		{"chinese in an id", func(r *Run) { r.Lines[0].EndToEndID = "付款1" }, "lines[0].end_to_end_id", "invalid_characters"},
		{"duplicate end-to-end id", func(r *Run) { r.Lines[2].EndToEndID = "PAYOUT-1" }, "lines[2].end_to_end_id", "duplicate"},
		{"duplicate instruction id", func(r *Run) { r.Lines[1].InstructionID = "TD-1-1" }, "lines[1].instruction_id", "duplicate"},
		{"remittance of 141 characters", func(r *Run) { r.Lines[0].Remittance = strings.Repeat("奖", 141) }, "lines[0].remittance", "too_long"},
		{"line break in a name", func(r *Run) { r.Lines[0].CreditorName = "张\n三" }, "lines[0].creditor_name", "invalid_characters"},
		{"NUL in remittance", func(r *Run) { r.Lines[0].Remittance = "a\x00b" }, "lines[0].remittance", "invalid_characters"},
		{"invalid UTF-8", func(r *Run) { r.Debtor.Name = "\xff" }, "debtor.name", "invalid_utf8"},
		{"padded name", func(r *Run) { r.Debtor.Name = " 财政局" }, "debtor.name", "surrounding_space"},
		{"missing creditor name", func(r *Run) { r.Lines[1].CreditorName = "" }, "lines[1].creditor_name", "required"},
		{"no account", func(r *Run) { r.Lines[0].CreditorAccount = Account{} }, "lines[0].creditor_account", "required"},
		{"two accounts", func(r *Run) { r.Debtor.Account.IBAN = "DE89370400440532013000" }, "debtor.account", "ambiguous"},
		{"account with dashes", func(r *Run) { r.Lines[0].CreditorAccount.Number = "6222-0213" }, "lines[0].creditor_account.number", "invalid_format"},
		{"bad IBAN", func(r *Run) { r.Lines[2].CreditorAccount.IBAN = "de89" }, "lines[2].creditor_account.iban", "invalid_format"},
		{"no bank", func(r *Run) { r.Debtor.Agent = Agent{} }, "debtor.agent", "required"},
		{"short CNAPS", func(r *Run) { r.Lines[0].CreditorAgent.CNAPS = "10265300" }, "lines[0].creditor_agent.cnaps", "invalid_format"},
		{"bad BIC", func(r *Run) { r.Lines[1].CreditorAgent.BIC = "pcbc" }, "lines[1].creditor_agent.bic", "invalid_format"},
		{"no creation time", func(r *Run) { r.CreatedAt = time.Time{} }, "created_at", "required"},
		{"no execution date", func(r *Run) { r.ExecutionDate = civil.Date{} }, "execution_date", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := smallRun()
			c.change(&run)
			var b bytes.Buffer
			err := WritePain001(&b, run)
			if !errors.Is(err, ErrInvalidRun) {
				t.Fatalf("want ErrInvalidRun, got %v", err)
			}
			if b.Len() != 0 {
				t.Error("an invalid run must write nothing")
			}
			var e *errs.Error
			errors.As(err, &e)
			for _, f := range e.Fields {
				if f.Location == c.location && f.Code == c.code {
					if f.Zh == "" || f.Message == "" {
						t.Errorf("field error %+v lacks a message", f)
					}
					return
				}
			}
			t.Errorf("want a field error %s/%s, got %+v", c.location, c.code, e.Fields)
		})
	}
	if err := smallRun().Validate(); err != nil {
		t.Fatalf("the small run is valid, got %v", err)
	}
}
