package greencard

import (
	"time"

	"talentd/internal/civil"
	"talentd/internal/errs"
)

// Agent request statuses: submitted → accepted → in_progress → resolved | rejected.
const (
	RequestSubmitted  = "submitted"
	RequestAccepted   = "accepted"
	RequestInProgress = "in_progress"
	RequestResolved   = "resolved"
	RequestRejected   = "rejected"
)

// Agent request actions: the workflow steps a commissioner (or the office) takes.
const (
	ActionAccept  = "accept"
	ActionStart   = "start"
	ActionResolve = "resolve"
	ActionReject  = "reject"
)

// Request is an agent-service request (代办) worked by a commissioner on a holder's behalf.
type Request struct {
	ID             int64         `db:"id" json:"id"`
	TalentID       int64         `db:"talent_id" json:"talent_id"`
	ServiceCode    string        `db:"service_code" json:"service"`
	Description    string        `db:"description" json:"description"`
	Status         RequestStatus `db:"status" json:"status"`
	CommissionerID *int64        `db:"commissioner_id" json:"commissioner_id"`
	FiledBy        string        `db:"filed_by" json:"filed_by"`
	DueOn          civil.Date    `db:"due_on" json:"due_on"`
	AcceptedAt     *time.Time    `db:"accepted_at" json:"accepted_at,omitempty"`
	ClosedAt       *time.Time    `db:"closed_at" json:"closed_at,omitempty"`
	Outcome        string        `db:"outcome" json:"outcome,omitempty"`
	Satisfaction   *int          `db:"satisfaction" json:"satisfaction,omitempty"`
	Overdue        bool          `db:"overdue" json:"overdue" doc:"Still open after its due date"`
	EnterpriseID   *int64        `db:"enterprise_id" json:"-"`
	FiledByID      *int64        `db:"filed_by_id" json:"-"`
	CreatedAt      time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time     `db:"updated_at" json:"updated_at"`
}

// RequestNote is one step of a request's history.
type RequestNote struct {
	FromStatus *RequestStatus `db:"from_status" json:"from_status,omitempty"`
	ToStatus   RequestStatus  `db:"to_status" json:"to_status"`
	Note       string         `db:"note" json:"note,omitempty"`
	Actor      string         `db:"actor_username" json:"actor"`
	At         time.Time      `db:"at" json:"at"`
}

// RequestInput is an agent request to file for the holder of a card. A window or a commissioner
// files only for a card its own account verified valid today; HR only for its own talent.
type RequestInput struct {
	CardSerial  string
	Service     string
	Description string
	// CommissionerID assigns the request by hand; nil gives it to the commissioner with the
	// fewest open requests.
	CommissionerID *int64
}

// RequestFilter narrows a listing of requests.
type RequestFilter struct {
	Status         string
	ServiceCode    string
	CommissionerID int64
	TalentID       int64
	Overdue        bool
}

// RequestStats are the figures the district reports for agent requests.
type RequestStats struct {
	RequestCounts
	ByService      []ServiceRequestCounts      `json:"by_service"`
	ByCommissioner []CommissionerRequestCounts `json:"by_commissioner"`
}

// RequestCounts are the counts and rates of one group of requests.
type RequestCounts struct {
	Received        int      `db:"received" json:"received"`
	Accepted        int      `db:"accepted" json:"accepted" doc:"Taken up by a commissioner (接哨)"`
	Resolved        int      `db:"resolved" json:"resolved"`
	ResolvedOnTime  int      `db:"resolved_on_time" json:"resolved_on_time"`
	Rejected        int      `db:"rejected" json:"rejected"`
	Open            int      `db:"open" json:"open"`
	Overdue         int      `db:"overdue" json:"overdue"`
	AcceptanceRate  float64  `db:"acceptance_rate" json:"acceptance_rate" doc:"接哨率: accepted / received"`
	ResolutionRate  float64  `db:"resolution_rate" json:"resolution_rate" doc:"办结率: resolved / received"`
	OnTimeRate      float64  `db:"on_time_rate" json:"on_time_rate" doc:"resolved on time / resolved"`
	AvgSatisfaction *float64 `db:"avg_satisfaction" json:"avg_satisfaction" doc:"满意度: mean of the 1–5 ratings"`
	RatedRequests   int      `db:"rated" json:"rated"`
}

// ServiceRequestCounts are one service's figures.
type ServiceRequestCounts struct {
	Service string `db:"service_code" json:"service"`
	RequestCounts
}

// CommissionerRequestCounts are one commissioner's figures.
type CommissionerRequestCounts struct {
	CommissionerID int64  `db:"commissioner_id" json:"commissioner_id"`
	Name           string `db:"display_name" json:"name"`
	RequestCounts
}

// Errors of the agent request operations.
var (
	ErrRequestNotFound = errs.New(errs.NotFound, "request_not_found", "未找到该代办事项", "agent request not found")
	ErrNoCommissioner  = errs.New(errs.Conflict, "no_commissioner", "目前没有可以指派的人才服务专员，请先设置专员账号",
		"no active commissioner to assign the request to")
	ErrNotCommissioner = errs.Fields(errs.Field("body.commissioner_id", "not_commissioner",
		"请选择一位在岗的人才服务专员", "must be an active commissioner account", nil))
	ErrHolderNotEnrolled = errs.New(errs.Conflict, "holder_not_enrolled", "代办服务只面向持有有效人才绿卡的已入库人才",
		"agent requests are for registered talent holding a card")
	ErrRequestClosed = errs.New(errs.Conflict, "request_closed", "该代办事项已办结或不予办理，不能再改动",
		"the request is closed")
	ErrRequestNotResolved = errs.New(errs.Conflict, "request_not_resolved", "只有已办结的代办事项才能评价满意度",
		"only a resolved request can be rated")
	errNoteRequired = errs.Fields(errs.Field("body.note", "required", "办结或不予办理时，请说明办理结果或原因",
		"say what was done or why not", nil))
	errDescriptionRequired = errs.Fields(errs.Field("body.description", "required", "请填写代办事项的内容",
		"a description is required", nil))
	errSatisfactionRange = errs.Fields(errs.Field("body.satisfaction", "out_of_range", "满意度请在1到5之间选择",
		"satisfaction is 1 to 5", nil))
)

// errUnknownAction refuses an action the workflow does not have.
func errUnknownAction(action string) error {
	return errs.Newf(errs.BadRequest, "unknown_action", "没有“%s”这个办理步骤", "unknown action %q", action)
}

// errCannotMove refuses a workflow step the request's status does not allow.
func errCannotMove(action, status string) error {
	return errs.New(errs.Conflict, "request_status_conflict",
		"该代办事项当前为“"+RequestStatusVocab.Label(status, "zh")+"”，不能“"+RequestActionVocab.Label(action, "zh")+"”",
		"cannot "+action+" a request that is "+status)
}
