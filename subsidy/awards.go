package subsidy

import (
	"fmt"
	"strings"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
)

// NominationInput puts a registered talent forward for an award programme.
type NominationInput struct {
	TalentID int64  `json:"talent_id" minimum:"1"`
	Reason   string `json:"reason" minLength:"1" maxLength:"1000" example:"主持研发的新能源电池项目获市级科技进步奖"`
}

// normalise trims the reason.
func (in NominationInput) normalise() (NominationInput, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return in, errs.Fields(errs.Field("body.reason", "required", "请填写提名理由", "the reason is required", nil))
	}
	return in, nil
}

// InstalmentInput is one scheduled part of an award.
type InstalmentInput struct {
	DueOn     civil.Date `json:"due_on" doc:"The day the instalment falls due"`
	AmountFen money.Fen  `json:"amount_fen" minimum:"1" maximum:"1000000000000000"`
}

// AwardInput selects a winner: the amount and its instalments, which must add up to it.
type AwardInput struct {
	TalentID    int64             `json:"talent_id" minimum:"1"`
	AmountFen   money.Fen         `json:"amount_fen" minimum:"1" maximum:"1000000000000000" example:"10000000"`
	Instalments []InstalmentInput `json:"instalments" minItems:"1" maxItems:"20" nullable:"false"`
}

// maxInstalments is the most instalments one award is paid in (the schema's bound on seq).
const maxInstalments = 20

// check holds the award to its rules for a programme of year: at least one instalment, each more
// than nothing, due dates in order and not before the programme's year begins, and the
// instalments adding up to the amount.
func (in AwardInput) check(year int) error {
	var fields []errs.FieldError
	if in.AmountFen <= 0 || in.AmountFen > money.Max {
		fields = append(fields, errs.Field("body.amount_fen", "invalid", "奖励金额应大于 0（单位：分）",
			"the amount is more than 0 fen", int64(in.AmountFen)))
	}
	if n := len(in.Instalments); n < 1 || n > maxInstalments {
		fields = append(fields, errs.Field("body.instalments", "count", "请安排 1 至 20 期发放",
			"an award is paid in 1 to 20 instalments", n))
		return errs.Fields(fields...)
	}
	start := civil.New(year, 1, 1)
	var sum money.Fen
	for i, inst := range in.Instalments {
		at := fmt.Sprintf("body.instalments[%d]", i)
		switch {
		case inst.DueOn.IsZero():
			fields = append(fields, errs.Field(at+".due_on", "required", "请填写到期日", "the due date is required", nil))
		case inst.DueOn.Before(start):
			fields = append(fields, errs.Field(at+".due_on", "before_programme_year",
				fmt.Sprintf("到期日不能早于项目年度的第一天（%s）", start), "the due date is before the programme's year begins",
				inst.DueOn.String()))
		case i > 0 && !inst.DueOn.After(in.Instalments[i-1].DueOn):
			fields = append(fields, errs.Field(at+".due_on", "not_ascending", "各期到期日应按先后顺序排列，且不能重复",
				"the due dates are in ascending order, none repeated", inst.DueOn.String()))
		}
		if inst.AmountFen <= 0 || inst.AmountFen > money.Max {
			fields = append(fields, errs.Field(at+".amount_fen", "invalid", "每期金额应大于 0（单位：分）",
				"each instalment is more than 0 fen", int64(inst.AmountFen)))
			continue
		}
		sum += inst.AmountFen
	}
	if len(fields) == 0 && sum != in.AmountFen {
		fields = append(fields, errs.Field("body.instalments", "sum_mismatch",
			fmt.Sprintf("各期金额合计 %s 元，与奖励金额 %s 元不一致", sum.Yuan(), in.AmountFen.Yuan()),
			fmt.Sprintf("the instalments add up to %s yuan, not the award's %s", sum.Yuan(), in.AmountFen.Yuan()),
			int64(sum)))
	}
	if len(fields) > 0 {
		return errs.Fields(fields...)
	}
	return nil
}
