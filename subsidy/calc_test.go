package subsidy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/money"
)

// testUSCC completes a 17-character body with its check character.
func testUSCC(t *testing.T, first17 string) string {
	t.Helper()
	c, err := govid.USCCCheckChar(first17)
	if err != nil {
		t.Fatalf("USCCCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func fen(v money.Fen) *money.Fen { return &v }

func noneLocal(string) bool { return false }

func TestApplyRate_RoundsHalfUpOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		basis money.Fen
		bp    int64
		want  money.Fen
	}{
		{"Exact", 5_000_000_00, 500, 250_000_00},
		{"FourAndHalfUp", 9, 5000, 5},         // 4.5 fen → 5
		{"ExactlyHalfRoundsUp", 1, 5000, 1},   // 0.5 fen → 1
		{"BelowHalfRoundsDown", 1, 4999, 0},   // 0.4999 fen → 0
		{"HalfFromBasisPoint", 50, 100, 1},    // 0.5 fen → 1
		{"JustUnderHalf", 49, 100, 0},         // 0.49 fen → 0
		{"ThreeQuartersUp", 75, 100, 1},       // 0.75 fen → 1
		{"OneAndHalfUp", 150, 100, 2},         // 1.5 fen → 2
		{"TwoAndHalfUp", 250, 100, 3},         // 2.5 fen → 3, not banker's 2
		{"ZeroRate", 123_456, 0, 0},           //
		{"FullRate", 123_456, 10000, 123_456}, //
		{"OddBasisPoint", 333_333, 1, 33},     // 33.3333 fen → 33
		{"LargestBasisFullRate", MaxCalcFen, 10000, MaxCalcFen},
		{"LargestBasisOddRate", MaxCalcFen, 9999, 9_999_000_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ApplyRate(tc.basis, tc.bp); got != tc.want {
				t.Errorf("ApplyRate(%d, %d) = %d, want %d", tc.basis, tc.bp, got, tc.want)
			}
		})
	}
}

func TestCalculate(t *testing.T) {
	t.Parallel()
	local := testUSCC(t, "91500120MA5U00001")
	local2 := testUSCC(t, "91500120MA5U00002")
	outsider := testUSCC(t, "91110000MA0000003")
	isLocal := func(u string) bool { return u == local || u == local2 }
	fullRules := SubsidyRules{
		RDPlatform:   &PlatformRule{Levels: PlatformAmounts{National: 500_000_00, Municipal: 200_000_00, District: 50_000_00}},
		RDInvestment: &RateRule{RateBP: 500, CapFen: fen(300_000_00)},
		LocalSupply:  &RateRule{RateBP: 300, CapFen: fen(1_000_000_00)},
	}
	for _, tc := range []struct {
		name     string
		rules    SubsidyRules
		declared SubsidyDeclaration
		want     money.Fen
		lines    map[string]money.Fen // amount per line code
		notes    []string             // substrings of the Chinese notes, in order of the lines
	}{
		{
			name:     "EveryRuleWithinCaps",
			rules:    fullRules,
			declared: SubsidyDeclaration{PlatformLevel: "municipal", RDSpendingFen: 5_000_000_00, Purchases: []SupplierPurchase{{local, 2_000_000_00}, {local2, 1_000_000_00}}},
			want:     200_000_00 + 250_000_00 + 90_000_00,
			lines:    map[string]money.Fen{LineRDPlatform: 200_000_00, LineRDInvestment: 250_000_00, LineLocalSupply: 90_000_00},
			notes: []string{"市级研发平台，定额补助 200,000.00 元",
				"研发投入 5,000,000.00 元 × 5% = 250,000.00 元，未超过上限 300,000.00 元",
				"本地配套采购 3,000,000.00 元 × 3% = 90,000.00 元"},
		},
		{
			name:     "RateLineCapped",
			rules:    fullRules,
			declared: SubsidyDeclaration{RDSpendingFen: 10_000_000_00},
			want:     300_000_00,
			lines:    map[string]money.Fen{LineRDPlatform: 0, LineRDInvestment: 300_000_00, LineLocalSupply: 0},
			notes:    []string{"未申报研发平台", "500,000.00 元，超过上限，按上限 300,000.00 元计", "0.00 元 × 3% = 0.00 元"},
		},
		{
			name:     "CapEqualToAmountIsNotExceeded",
			rules:    SubsidyRules{RDInvestment: &RateRule{RateBP: 500, CapFen: fen(250_000_00)}},
			declared: SubsidyDeclaration{RDSpendingFen: 5_000_000_00},
			want:     250_000_00,
			lines:    map[string]money.Fen{LineRDInvestment: 250_000_00},
			notes:    []string{"未超过上限 250,000.00 元"},
		},
		{
			name:     "CapAppliesAfterRounding",
			rules:    SubsidyRules{RDInvestment: &RateRule{RateBP: 5000, CapFen: fen(1)}},
			declared: SubsidyDeclaration{RDSpendingFen: 1}, // 0.5 fen rounds to 1 fen, which the cap allows
			want:     1,
			lines:    map[string]money.Fen{LineRDInvestment: 1},
		},
		{
			name:     "NonLocalSupplierExcludedWithNote",
			rules:    SubsidyRules{LocalSupply: &RateRule{RateBP: 1000}},
			declared: SubsidyDeclaration{Purchases: []SupplierPurchase{{outsider, 7_000_00}, {local, 1_234_56}}},
			want:     123_46, // 12,345.6 fen rounds up
			lines:    map[string]money.Fen{LineNonLocalSupplier: 0, LineLocalSupply: 123_46},
			notes:    []string{outsider + " 不是已登记的本地配套企业，采购额 7,000.00 元不计入", "1,234.56 元 × 10% = 123.46 元"},
		},
		{
			name:     "OverallCapReducesTotal",
			rules:    SubsidyRules{RDPlatform: fullRules.RDPlatform, RDInvestment: &RateRule{RateBP: 1000}, CapFen: fen(600_000_00)},
			declared: SubsidyDeclaration{PlatformLevel: "national", RDSpendingFen: 2_000_000_00},
			want:     600_000_00,
			lines:    map[string]money.Fen{LineRDPlatform: 500_000_00, LineRDInvestment: 200_000_00, LineOverallCap: -100_000_00},
			notes:    []string{"国家级", "", "各项合计 700,000.00 元，超过总额上限 600,000.00 元，核减 100,000.00 元"},
		},
		{
			name:     "OverallCapNotReached",
			rules:    SubsidyRules{RDPlatform: fullRules.RDPlatform, CapFen: fen(600_000_00)},
			declared: SubsidyDeclaration{PlatformLevel: "district"},
			want:     50_000_00,
			lines:    map[string]money.Fen{LineRDPlatform: 50_000_00, LineOverallCap: 0},
			notes:    []string{"区级研发平台", "未超过总额上限 600,000.00 元"},
		},
		{
			name:     "PlatformNoneExplicit",
			rules:    fullRules,
			declared: SubsidyDeclaration{PlatformLevel: "none"},
			want:     0,
			lines:    map[string]money.Fen{LineRDPlatform: 0, LineRDInvestment: 0, LineLocalSupply: 0},
		},
		{
			name:     "NoRulesNoLines",
			declared: SubsidyDeclaration{PlatformLevel: "national", RDSpendingFen: 100},
			want:     0,
			lines:    map[string]money.Fen{},
		},
		{
			name:     "LargestFiguresDoNotOverflow",
			rules:    SubsidyRules{RDPlatform: &PlatformRule{Levels: PlatformAmounts{National: MaxCalcFen}}, RDInvestment: &RateRule{RateBP: 10000}, LocalSupply: &RateRule{RateBP: 10000}},
			declared: SubsidyDeclaration{PlatformLevel: "national", RDSpendingFen: MaxCalcFen, Purchases: []SupplierPurchase{{local, MaxCalcFen / 2}, {local2, MaxCalcFen / 2}}},
			want:     3 * MaxCalcFen,
			lines:    map[string]money.Fen{LineRDPlatform: MaxCalcFen, LineRDInvestment: MaxCalcFen, LineLocalSupply: MaxCalcFen},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Calculate(tc.rules, tc.declared, isLocal)
			if err != nil {
				t.Fatalf("Calculate: %v", err)
			}
			if got.AmountFen != tc.want {
				t.Errorf("amount = %d, want %d; working %+v", got.AmountFen, tc.want, got.Working)
			}
			if len(got.Working) != len(tc.lines) {
				t.Errorf("%d lines, want %d: %+v", len(got.Working), len(tc.lines), got.Working)
			}
			var sum money.Fen
			for i, l := range got.Working {
				sum += l.AmountFen
				if want, ok := tc.lines[l.Code]; !ok || want != l.AmountFen {
					t.Errorf("line %s amount %d, want %d (listed %v)", l.Code, l.AmountFen, want, ok)
				}
				if l.LabelZh == "" || l.LabelEn == "" || l.Note == "" || l.NoteEn == "" {
					t.Errorf("line %s lacks a label or note: %+v", l.Code, l)
				}
				if i < len(tc.notes) && !strings.Contains(l.Note, tc.notes[i]) {
					t.Errorf("line %s note %q, want it to contain %q", l.Code, l.Note, tc.notes[i])
				}
			}
			if sum != got.AmountFen {
				t.Errorf("lines add up to %d, amount is %d", sum, got.AmountFen)
			}
		})
	}
}

func TestCalculate_Refuses(t *testing.T) {
	t.Parallel()
	good := testUSCC(t, "91500120MA5U00001")
	bad := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] != '1']
	ok := SubsidyRules{RDInvestment: &RateRule{RateBP: 500}, LocalSupply: &RateRule{RateBP: 300}}
	many := make([]SupplierPurchase, MaxPurchases+1)
	for i := range many {
		many[i] = SupplierPurchase{good, 1}
	}
	for _, tc := range []struct {
		name     string
		rules    SubsidyRules
		declared SubsidyDeclaration
		location string
		code     string
	}{
		{"RateAbove100Percent", SubsidyRules{RDInvestment: &RateRule{RateBP: 10001}}, SubsidyDeclaration{}, "rules.rd_investment.rate_bp", "rate_out_of_range"},
		{"NegativeRate", SubsidyRules{LocalSupply: &RateRule{RateBP: -1}}, SubsidyDeclaration{}, "rules.local_supply.rate_bp", "rate_out_of_range"},
		{"NegativeCap", SubsidyRules{RDInvestment: &RateRule{RateBP: 1, CapFen: fen(-1)}}, SubsidyDeclaration{}, "rules.rd_investment.cap_fen", "negative_amount"},
		{"NegativeLevel", SubsidyRules{RDPlatform: &PlatformRule{Levels: PlatformAmounts{Municipal: -5}}}, SubsidyDeclaration{}, "rules.rd_platform.levels.municipal", "negative_amount"},
		{"OverallCapTooLarge", SubsidyRules{CapFen: fen(MaxCalcFen + 1)}, SubsidyDeclaration{}, "rules.cap_fen", "amount_too_large"},
		{"NegativeSpending", ok, SubsidyDeclaration{RDSpendingFen: -1}, "body.rd_spending_fen", "negative_amount"},
		{"SpendingTooLarge", ok, SubsidyDeclaration{RDSpendingFen: MaxCalcFen + 1}, "body.rd_spending_fen", "amount_too_large"},
		{"SpendingInt64Max", ok, SubsidyDeclaration{RDSpendingFen: 1<<63 - 1}, "body.rd_spending_fen", "amount_too_large"},
		{"UnknownLevel", ok, SubsidyDeclaration{PlatformLevel: "provincial"}, "body.platform_level", "unknown_platform_level"},
		{"BadSupplierChecksum", ok, SubsidyDeclaration{Purchases: []SupplierPurchase{{good, 1}, {bad, 1}}}, "body.purchases[1].supplier_uscc", "invalid_uscc"},
		{"NegativePurchase", ok, SubsidyDeclaration{Purchases: []SupplierPurchase{{good, -100}}}, "body.purchases[0].amount_fen", "negative_amount"},
		{"PurchasesAddUpTooMuch", ok, SubsidyDeclaration{Purchases: []SupplierPurchase{{good, MaxCalcFen}, {good, 1}}}, "body.purchases", "purchases_too_large"},
		{"TooManyPurchases", ok, SubsidyDeclaration{Purchases: many}, "body.purchases", "too_many_purchases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Calculate(tc.rules, tc.declared, func(string) bool { return true })
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid {
				t.Fatalf("err = %v, want an Invalid *errs.Error", err)
			}
			for _, f := range e.Fields {
				if f.Location == tc.location && f.Code == tc.code {
					if f.Zh == "" || f.Message == "" || f.Zh == f.Message {
						t.Errorf("field error %s is not bilingual: %+v", tc.location, f)
					}
					if f.Code == "invalid_uscc" && !strings.Contains(f.Zh, "校验码") {
						t.Errorf("the supplier code error does not say what is wrong: %s", f.Zh)
					}
					return
				}
			}
			t.Errorf("field errors %+v lack %s at %s", e.Fields, tc.code, tc.location)
		})
	}
}

func TestCalculate_LinesInEnglish(t *testing.T) {
	t.Parallel()
	got, err := Calculate(SubsidyRules{RDInvestment: &RateRule{RateBP: 125, CapFen: fen(1_000_00)}},
		SubsidyDeclaration{RDSpendingFen: 200_000_00}, noneLocal)
	if err != nil {
		t.Fatal(err)
	}
	want := "R&D investment 200,000.00 yuan × 1.25% = 2,500.00 yuan, above the cap: 1,000.00 yuan is due"
	if got.Working[0].NoteEn != want {
		t.Errorf("note_en = %q, want %q", got.Working[0].NoteEn, want)
	}
	if got.AmountFen != 1_000_00 {
		t.Errorf("amount = %d, want the cap", got.AmountFen)
	}
}

func TestSubsidyRules_JSONRoundTrip(t *testing.T) {
	t.Parallel()
	raw := `{"rd_platform":{"levels":{"national":50000000,"municipal":20000000,"district":5000000}},` +
		`"rd_investment":{"rate_bp":500,"cap_fen":30000000},"local_supply":{"rate_bp":300},"cap_fen":80000000}`
	var r SubsidyRules
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	if r.RDPlatform.Levels.Municipal != 20000000 || *r.RDInvestment.CapFen != 30000000 ||
		r.LocalSupply.CapFen != nil || *r.CapFen != 80000000 {
		t.Fatalf("decoded %+v", r)
	}
	back, err := json.Marshal(r)
	if err != nil || string(back) != raw {
		t.Errorf("encoded %s (%v), want %s", back, err, raw)
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for bp, want := range map[int64]string{0: "0%", 5: "0.05%", 50: "0.5%", 125: "1.25%", 500: "5%", 10000: "100%"} {
		if got := percent(bp); got != want {
			t.Errorf("percent(%d) = %q, want %q", bp, got, want)
		}
	}
}
