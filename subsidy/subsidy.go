// Package subsidy pays the district's talent awards (璧山英才, 璧山工匠, 企业创新型人才) and its
// subsidies to enterprises (研发平台, 研发投入, 本地配套): programmes with budgets, nominations and
// awards paid in instalments, enterprises' applications, and the payout ledger. Money is integer
// fen; a programme's committed total never exceeds its budget, and the database holds one payout
// per instalment or application at most.
package subsidy

import (
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/money"
)

// ProgrammeKind says whom a programme pays: talent (award) or enterprises (enterprise_subsidy).
type ProgrammeKind string

// The kinds of programme.
const (
	KindAward             ProgrammeKind = "award"
	KindEnterpriseSubsidy ProgrammeKind = "enterprise_subsidy"
)

// ProgrammeStatus says whether a programme takes nominations, awards and applications.
type ProgrammeStatus string

// Programme statuses.
const (
	ProgrammeOpen   ProgrammeStatus = "open"
	ProgrammeClosed ProgrammeStatus = "closed"
)

// NominationStatus is where a nomination stands: nominated, awarded (the office selected the
// talent) or withdrawn.
type NominationStatus string

// Nomination statuses.
const (
	NominationNominated NominationStatus = "nominated"
	NominationAwarded   NominationStatus = "awarded"
	NominationWithdrawn NominationStatus = "withdrawn"
)

// PayoutStatus is a payout's state: pending → approved → paid | failed (→ approved again when
// retried); cancelled; held (its talent left the registry: the office decides).
type PayoutStatus string

// Payout statuses.
const (
	PayoutPending   PayoutStatus = "pending"
	PayoutApproved  PayoutStatus = "approved"
	PayoutPaid      PayoutStatus = "paid"
	PayoutFailed    PayoutStatus = "failed"
	PayoutCancelled PayoutStatus = "cancelled"
	PayoutHeld      PayoutStatus = "held"
)

// Programme is an award or subsidy programme of one year with its budget. CommittedFen is what
// it has promised and not cancelled (every payout pending, approved, held, failed or paid);
// PaidFen the part paid; RemainingFen what the budget still allows.
type Programme struct {
	ID           int64           `db:"id" json:"id"`
	Kind         ProgrammeKind   `db:"kind" json:"kind"`
	Code         string          `db:"code" json:"code"`
	Name         string          `db:"name" json:"name"`
	Year         int             `db:"year" json:"year"`
	BudgetFen    money.Fen       `db:"budget_fen" json:"budget_fen"`
	CommittedFen money.Fen       `db:"committed_fen" json:"committed_fen"`
	PaidFen      money.Fen       `db:"paid_fen" json:"paid_fen"`
	RemainingFen money.Fen       `db:"-" json:"remaining_fen"`
	Rules        Rules           `db:"rules" json:"rules"`
	Status       ProgrammeStatus `db:"status" json:"status"`
	Version      int             `db:"version" json:"version"`
	CreatedAt    time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time       `db:"updated_at" json:"updated_at"`
}

// Nomination puts a registered talent forward for an award programme.
type Nomination struct {
	ID           int64            `db:"id" json:"id"`
	ProgrammeID  int64            `db:"programme_id" json:"programme_id"`
	TalentID     int64            `db:"talent_id" json:"talent_id"`
	TalentName   string           `db:"talent_name" json:"talent_name"`
	EnterpriseID *int64           `db:"enterprise_id" json:"enterprise_id,omitempty"`
	Reason       string           `db:"reason" json:"reason"`
	Status       NominationStatus `db:"status" json:"status"`
	CreatedAt    time.Time        `db:"created_at" json:"created_at"`
}

// Award is a winner of an award programme, the amount and its instalments.
type Award struct {
	ID           int64        `db:"id" json:"id"`
	ProgrammeID  int64        `db:"programme_id" json:"programme_id"`
	TalentID     int64        `db:"talent_id" json:"talent_id"`
	TalentName   string       `db:"talent_name" json:"talent_name"`
	EnterpriseID *int64       `db:"enterprise_id" json:"enterprise_id,omitempty"`
	AmountFen    money.Fen    `db:"amount_fen" json:"amount_fen"`
	Instalments  []Instalment `db:"-" json:"instalments" nullable:"false"`
	CreatedAt    time.Time    `db:"created_at" json:"created_at"`
}

// Instalment is one scheduled part of an award, with the payout that pays it.
type Instalment struct {
	ID           int64        `db:"id" json:"id"`
	AwardID      int64        `db:"award_id" json:"-"`
	Seq          int          `db:"seq" json:"seq"`
	DueOn        civil.Date   `db:"due_on" json:"due_on"`
	AmountFen    money.Fen    `db:"amount_fen" json:"amount_fen"`
	PayoutID     int64        `db:"payout_id" json:"payout_id"`
	PayoutStatus PayoutStatus `db:"payout_status" json:"payout_status"`
}

// Sentinel errors of the subsidy slice.
var (
	ErrProgrammeNotFound = errs.New(errs.NotFound, "programme_not_found", "找不到该资助项目", "programme not found")
	ErrProgrammeCode     = errs.New(errs.Conflict, "programme_code_taken", "已有相同编码的资助项目，请换一个编码",
		"a programme with this code exists already")
	ErrProgrammeClosed = errs.New(errs.Conflict, "programme_closed", "该资助项目已关闭，不再受理提名、评定或申请",
		"the programme is closed")
	ErrNotAwardProgramme = errs.New(errs.Conflict, "not_award_programme", "该项目不是人才奖励项目，不能提名或评定获奖人才",
		"the programme is not an award programme")
	ErrKindFixed = errs.New(errs.Invalid, "programme_kind_fixed", "资助项目的类型创建后不能更改",
		"a programme's kind cannot change")
	ErrTalentNotRegistered = errs.New(errs.Conflict, "talent_not_registered", "该人才不在人才库中（未入库或已离库），不能提名或奖励",
		"the talent is not registered")
	ErrAlreadyNominated = errs.New(errs.Conflict, "already_nominated", "该人才已被提名参加此项目",
		"the talent has been nominated for this programme already")
	ErrAlreadyAwarded = errs.New(errs.Conflict, "already_awarded", "该人才已获得此项目奖励，不能重复评定",
		"the talent has an award of this programme already")
	ErrNotNominated = errs.New(errs.Conflict, "not_nominated", "该人才未获提名参加此项目（或提名已撤回），须先提名才能评定获奖",
		"the talent has no standing nomination for this programme: nominate them first")
	ErrBudgetExceeded = errs.New(errs.Conflict, "budget_exceeded", "超出项目预算", "the programme's budget is exceeded")
)

// budgetExceeded says by how much an amount overruns a programme's budget, with the figures.
func budgetExceeded(p Programme, amount money.Fen) error {
	return errs.Newf(errs.Conflict, "budget_exceeded",
		"超出项目预算：预算 %s 元，已承诺 %s 元，剩余 %s 元，本次需要 %s 元",
		"the programme's budget is exceeded: budget %s yuan, committed %s, remaining %s, this needs %s",
		p.BudgetFen.Yuan(), p.CommittedFen.Yuan(), (p.BudgetFen - p.CommittedFen).Yuan(), amount.Yuan())
}
