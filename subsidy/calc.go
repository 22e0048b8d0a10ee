package subsidy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/money"
	"talentd/internal/vocab"
)

// How an enterprise subsidy is calculated. The rules of a programme and the figures an enterprise
// declares go in; an amount and its working, one line per rule, come out. The arithmetic is
// integer fen throughout and rounds in exactly one place:
//
//   - a rate line is basis × rate_bp / 10000, rounded half up to the fen (0.5 fen and above
//     rounds up), once;
//   - a line's cap applies to the rounded amount;
//   - the total is the sum of the lines, then the programme's overall cap, which appears as a
//     line of its own (zero, or the negative reduction), so the lines always add up to the amount.
//
// Every figure is bounded by MaxCalcFen and every rate by 10000 bp, so no product or sum comes
// near the int64 limit.

// MaxCalcFen is the largest amount a rule or a declared figure may state, 10^13 fen (a hundred
// billion yuan), and the largest the purchases may add up to: basis × 10000 bp then stays below
// 10^17, far inside int64.
const MaxCalcFen money.Fen = 10_000_000_000_000

// MaxBasisPoints is a rate of 100%.
const MaxBasisPoints = 10000

// MaxPurchases bounds how many purchases one declaration lists.
const MaxPurchases = 1000

// Codes of the working lines.
const (
	LineRDPlatform       = "rd_platform"
	LineRDInvestment     = "rd_investment"
	LineLocalSupply      = "local_supply"
	LineNonLocalSupplier = "local_supply_excluded"
	LineOverallCap       = "overall_cap"
)

// PlatformLevelVocab lists the levels of an R&D platform (研发平台) an enterprise may declare.
var PlatformLevelVocab = vocab.NewList("subsidy_platform_level",
	vocab.T("national", "国家级", "National"),
	vocab.T("municipal", "市级", "Municipal"),
	vocab.T("district", "区级", "District"),
	vocab.T("none", "无", "None"),
)

// PlatformLevel is a code of PlatformLevelVocab; "" means the same as "none".
type PlatformLevel string

// Schema states the platform levels once, from PlatformLevelVocab.
func (PlatformLevel) Schema(huma.Registry) *huma.Schema { return PlatformLevelVocab.Schema() }

// SubsidyRules are an enterprise-subsidy programme's calculation rules, stored with the programme
// as JSON. A rule left out is not offered by the programme and adds no line.
type SubsidyRules struct {
	RDPlatform   *PlatformRule `json:"rd_platform,omitempty" doc:"R&D platform (研发平台): a fixed amount per platform level"`
	RDInvestment *RateRule     `json:"rd_investment,omitempty" doc:"R&D investment (研发投入): a rate of the declared R&D spending"`
	LocalSupply  *RateRule     `json:"local_supply,omitempty" doc:"Local supply (本地配套): a rate of the amount bought from registered local supplier enterprises"`
	CapFen       *money.Fen    `json:"cap_fen,omitempty" doc:"Overall cap on the subsidy, in fen; none when left out"`
}

// PlatformRule pays a fixed amount by the level of the enterprise's R&D platform.
type PlatformRule struct {
	Levels PlatformAmounts `json:"levels" doc:"Amount in fen per platform level"`
}

// PlatformAmounts is the fixed amount, in fen, paid for each platform level.
type PlatformAmounts struct {
	National  money.Fen `json:"national" doc:"National platform, in fen"`
	Municipal money.Fen `json:"municipal" doc:"Municipal platform, in fen"`
	District  money.Fen `json:"district" doc:"District platform, in fen"`
}

// RateRule pays rate_bp basis points (1/10000) of a basis, up to cap_fen when one is given.
type RateRule struct {
	RateBP int64      `json:"rate_bp" doc:"Rate in basis points (500 = 5%)"`
	CapFen *money.Fen `json:"cap_fen,omitempty" doc:"Cap on this rule's amount, in fen; none when left out"`
}

// SubsidyDeclaration holds the figures an enterprise declares for the rules.
type SubsidyDeclaration struct {
	PlatformLevel PlatformLevel      `json:"platform_level,omitempty" doc:"Level of the enterprise's R&D platform, if it has one"`
	RDSpendingFen money.Fen          `json:"rd_spending_fen" doc:"R&D spending of the year, in fen"`
	Purchases     []SupplierPurchase `json:"purchases,omitempty" maxItems:"1000" doc:"Purchases from supplier enterprises"`
}

// SupplierPurchase is an amount bought from one supplier enterprise.
type SupplierPurchase struct {
	SupplierUSCC string    `json:"supplier_uscc" doc:"The supplier's unified social credit code (统一社会信用代码)"`
	AmountFen    money.Fen `json:"amount_fen" doc:"Amount bought, in fen"`
}

// SubsidyCalculation is the amount a declaration earns and how it was reached.
type SubsidyCalculation struct {
	AmountFen money.Fen     `json:"amount_fen" doc:"The subsidy, in fen: the sum of the working lines"`
	Working   []WorkingLine `json:"working" doc:"The calculation, line by line"`
}

// WorkingLine is one step of a calculation that a clerk can check by hand.
type WorkingLine struct {
	Code      string     `json:"code" doc:"rd_platform, rd_investment, local_supply, local_supply_excluded or overall_cap"`
	LabelZh   string     `json:"label_zh" doc:"What the line is, in Chinese"`
	LabelEn   string     `json:"label_en" doc:"What the line is, in English"`
	BasisFen  money.Fen  `json:"basis_fen" doc:"The figure the line starts from, in fen"`
	RateBP    int64      `json:"rate_bp" doc:"Rate applied, in basis points (0 for a fixed amount)"`
	CapFen    *money.Fen `json:"cap_fen,omitempty" doc:"Cap that applies to the line, in fen"`
	AmountFen money.Fen  `json:"amount_fen" doc:"What the line adds, in fen (negative for a cap's reduction)"`
	Note      string     `json:"note" doc:"The working in words, in Chinese"`
	NoteEn    string     `json:"note_en" doc:"The working in words, in English"`
}

func init() {
	vocab.AddFieldLabels(map[string]vocab.Label{
		"rd_platform":     {Zh: "研发平台", En: "R&D platform"},
		"rd_investment":   {Zh: "研发投入", En: "R&D investment"},
		"local_supply":    {Zh: "本地配套", En: "Local supply"},
		"levels":          {Zh: "各级别金额", En: "Amount per level"},
		"national":        {Zh: "国家级", En: "National"},
		"municipal":       {Zh: "市级", En: "Municipal"},
		"district":        {Zh: "区级", En: "District"},
		"rate_bp":         {Zh: "比例（万分之）", En: "Rate (basis points)"},
		"cap_fen":         {Zh: "上限金额（分）", En: "Cap (fen)"},
		"platform_level":  {Zh: "研发平台级别", En: "R&D platform level"},
		"rd_spending_fen": {Zh: "研发投入金额（分）", En: "R&D spending (fen)"},
		"purchases":       {Zh: "本地配套采购", En: "Purchases"},
		"supplier_uscc":   {Zh: "供应商统一社会信用代码", En: "Supplier's unified social credit code"},
	})
}

// Validate reports, as field errors under the location at (e.g. "body.rules"), every rule that
// states a negative or too large amount or a rate outside 0–10000 bp.
func (r SubsidyRules) Validate(at string) error {
	var fields []errs.FieldError
	if p := r.RDPlatform; p != nil {
		fields = checkFen(fields, at+".rd_platform.levels.national", p.Levels.National)
		fields = checkFen(fields, at+".rd_platform.levels.municipal", p.Levels.Municipal)
		fields = checkFen(fields, at+".rd_platform.levels.district", p.Levels.District)
	}
	fields = r.RDInvestment.check(fields, at+".rd_investment")
	fields = r.LocalSupply.check(fields, at+".local_supply")
	if r.CapFen != nil {
		fields = checkFen(fields, at+".cap_fen", *r.CapFen)
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

func (r *RateRule) check(fields []errs.FieldError, at string) []errs.FieldError {
	if r == nil {
		return fields
	}
	if r.RateBP < 0 || r.RateBP > MaxBasisPoints {
		fields = append(fields, errs.Field(at+".rate_bp", "rate_out_of_range",
			"比例应在 0 至 10000（万分之，即 0% 至 100%）之间",
			"the rate must be between 0 and 10000 basis points (0% to 100%)", r.RateBP))
	}
	if r.CapFen != nil {
		fields = checkFen(fields, at+".cap_fen", *r.CapFen)
	}
	return fields
}

// Validate reports, as field errors under the location at (e.g. "body"), an unknown platform
// level, a negative or too large figure, a malformed supplier code or too many purchases.
func (d SubsidyDeclaration) Validate(at string) error {
	var fields []errs.FieldError
	if d.PlatformLevel != "" && !PlatformLevelVocab.Has(string(d.PlatformLevel)) {
		fields = append(fields, errs.Field(at+".platform_level", "unknown_platform_level",
			"研发平台级别应为国家级、市级、区级或无", "the platform level must be national, municipal, district or none",
			d.PlatformLevel))
	}
	fields = checkFen(fields, at+".rd_spending_fen", d.RDSpendingFen)
	if len(d.Purchases) > MaxPurchases {
		fields = append(fields, errs.Field(at+".purchases", "too_many_purchases",
			fmt.Sprintf("一次申报最多填写 %d 笔采购", MaxPurchases),
			fmt.Sprintf("a declaration lists at most %d purchases", MaxPurchases), len(d.Purchases)))
		return errs.Fields(fields...)
	}
	var total money.Fen
	for i, p := range d.Purchases {
		item := fmt.Sprintf("%s.purchases[%d]", at, i)
		if err := govid.CheckUSCC(p.SupplierUSCC); err != nil {
			zh, en := "供应商统一社会信用代码不正确，请核对 18 位代码", "the supplier's unified social credit code is not valid"
			var why *errs.Error
			if errors.As(err, &why) {
				zh, en = "供应商"+why.Zh, "supplier: "+why.Message
			}
			fields = append(fields, errs.Field(item+".supplier_uscc", "invalid_uscc", zh, en, nil))
		}
		before := len(fields)
		fields = checkFen(fields, item+".amount_fen", p.AmountFen)
		if len(fields) == before {
			total += p.AmountFen
		}
	}
	if total > MaxCalcFen {
		fields = append(fields, errs.Field(at+".purchases", "purchases_too_large",
			"采购金额合计超出允许范围（不超过 1,000 亿元）",
			"the purchases add up to more than allowed (100 billion yuan)", int64(total)))
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}

// checkFen appends a field error when amount is negative or beyond MaxCalcFen.
func checkFen(fields []errs.FieldError, at string, amount money.Fen) []errs.FieldError {
	switch {
	case amount < 0:
		return append(fields, errs.Field(at, "negative_amount", "金额不能为负数", "the amount must not be negative",
			int64(amount)))
	case amount > MaxCalcFen:
		return append(fields, errs.Field(at, "amount_too_large", "金额超出允许范围（不超过 1,000 亿元）",
			"the amount is too large (at most 100 billion yuan)", int64(amount)))
	}
	return fields
}

// Calculate works out the subsidy that declared earns under rules. isLocalSupplier reports
// whether a supplier (by its unified social credit code) is a registered local supplier
// enterprise; purchases from any other supplier are left out of the local-supply basis, each with
// a line saying so. Invalid rules or figures are refused with field errors under "rules" and
// "body".
func Calculate(rules SubsidyRules, declared SubsidyDeclaration, isLocalSupplier func(uscc string) bool) (SubsidyCalculation, error) {
	if err := rules.Validate("rules"); err != nil {
		return SubsidyCalculation{}, err
	}
	if err := declared.Validate("body"); err != nil {
		return SubsidyCalculation{}, err
	}
	var lines []WorkingLine
	if rules.RDPlatform != nil {
		lines = append(lines, platformLine(rules.RDPlatform.Levels, declared.PlatformLevel))
	}
	if rules.RDInvestment != nil {
		lines = append(lines, rateLine(LineRDInvestment, "研发投入", "R&D investment", declared.RDSpendingFen,
			*rules.RDInvestment))
	}
	if rules.LocalSupply != nil {
		var local money.Fen
		for _, p := range declared.Purchases {
			if isLocalSupplier(p.SupplierUSCC) {
				local += p.AmountFen
				continue
			}
			lines = append(lines, excludedLine(p))
		}
		lines = append(lines, rateLine(LineLocalSupply, "本地配套采购", "Local supply", local, *rules.LocalSupply))
	}
	var total money.Fen
	for _, l := range lines {
		total += l.AmountFen
	}
	if rules.CapFen != nil {
		capped := overallCapLine(total, *rules.CapFen)
		lines = append(lines, capped)
		total += capped.AmountFen
	}
	if lines == nil {
		lines = []WorkingLine{}
	}
	return SubsidyCalculation{AmountFen: total, Working: lines}, nil
}

// ApplyRate is basis × bp / 10000 rounded half up to the fen, in integer arithmetic. Both must be
// non-negative and within MaxCalcFen and MaxBasisPoints, as Validate ensures.
func ApplyRate(basis money.Fen, bp int64) money.Fen {
	return money.Fen((int64(basis)*bp + MaxBasisPoints/2) / MaxBasisPoints)
}

func platformLine(levels PlatformAmounts, level PlatformLevel) WorkingLine {
	l := WorkingLine{Code: LineRDPlatform, LabelZh: "研发平台", LabelEn: "R&D platform"}
	var amount money.Fen
	switch level {
	case "national":
		amount = levels.National
	case "municipal":
		amount = levels.Municipal
	case "district":
		amount = levels.District
	default:
		l.Note, l.NoteEn = "未申报研发平台，不计补助", "no R&D platform declared; nothing is due"
		return l
	}
	l.AmountFen = amount
	l.Note = fmt.Sprintf("%s研发平台，定额补助 %s 元", PlatformLevelVocab.Label(string(level), "zh"), amount.Yuan())
	l.NoteEn = fmt.Sprintf("%s R&D platform: fixed amount of %s yuan", PlatformLevelVocab.Label(string(level), "en"),
		amount.Yuan())
	return l
}

func rateLine(code, zh, en string, basis money.Fen, rule RateRule) WorkingLine {
	amount := ApplyRate(basis, rule.RateBP)
	l := WorkingLine{Code: code, LabelZh: zh, LabelEn: en, BasisFen: basis, RateBP: rule.RateBP, CapFen: rule.CapFen}
	pct := percent(rule.RateBP)
	l.Note = fmt.Sprintf("%s %s 元 × %s = %s 元", zh, basis.Yuan(), pct, amount.Yuan())
	l.NoteEn = fmt.Sprintf("%s %s yuan × %s = %s yuan", en, basis.Yuan(), pct, amount.Yuan())
	switch {
	case rule.CapFen == nil:
	case amount > *rule.CapFen:
		l.Note += fmt.Sprintf("，超过上限，按上限 %s 元计", rule.CapFen.Yuan())
		l.NoteEn += fmt.Sprintf(", above the cap: %s yuan is due", rule.CapFen.Yuan())
		amount = *rule.CapFen
	default:
		l.Note += fmt.Sprintf("，未超过上限 %s 元", rule.CapFen.Yuan())
		l.NoteEn += fmt.Sprintf(", within the cap of %s yuan", rule.CapFen.Yuan())
	}
	l.AmountFen = amount
	return l
}

func excludedLine(p SupplierPurchase) WorkingLine {
	return WorkingLine{
		Code: LineNonLocalSupplier, LabelZh: "非本地配套企业采购", LabelEn: "Purchase from a non-local supplier",
		BasisFen: p.AmountFen,
		Note: fmt.Sprintf("供应商 %s 不是已登记的本地配套企业，采购额 %s 元不计入本地配套补助",
			p.SupplierUSCC, p.AmountFen.Yuan()),
		NoteEn: fmt.Sprintf("supplier %s is not a registered local supplier enterprise; the purchase of %s yuan does not count",
			p.SupplierUSCC, p.AmountFen.Yuan()),
	}
}

func overallCapLine(total, limit money.Fen) WorkingLine {
	l := WorkingLine{Code: LineOverallCap, LabelZh: "补助总额上限", LabelEn: "Overall cap", BasisFen: total, CapFen: &limit}
	if total <= limit {
		l.Note = fmt.Sprintf("各项合计 %s 元，未超过总额上限 %s 元", total.Yuan(), limit.Yuan())
		l.NoteEn = fmt.Sprintf("the lines add up to %s yuan, within the overall cap of %s yuan", total.Yuan(), limit.Yuan())
		return l
	}
	l.AmountFen = limit - total
	l.Note = fmt.Sprintf("各项合计 %s 元，超过总额上限 %s 元，核减 %s 元", total.Yuan(), limit.Yuan(), (total - limit).Yuan())
	l.NoteEn = fmt.Sprintf("the lines add up to %s yuan, above the overall cap of %s yuan: %s yuan is taken off",
		total.Yuan(), limit.Yuan(), (total - limit).Yuan())
	return l
}

// percent writes a rate in basis points as a percentage without trailing zeros: 500 → "5%",
// 125 → "1.25%", 5 → "0.05%".
func percent(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", frac), "0")
	}
	return s + "%"
}
