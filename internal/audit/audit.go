// Package audit is the append-only audit log: every change of state records who did it, when, what
// changed and under which request, in the same transaction as the change itself.
package audit

import (
	"encoding/json"
	"time"
)

// Entry is one change to record; Before and After are any JSON-marshalable values (nil for a
// creation or a deletion respectively). Sensitive fields are masked or dropped before storing.
type Entry struct {
	Action     string
	EntityType string
	EntityID   string
	Before     any
	After      any
}

// Record is one stored audit record.
type Record struct {
	ID            int64           `db:"id" json:"id"`
	At            time.Time       `db:"at" json:"at"`
	ActorID       *int64          `db:"actor_id" json:"actor_id,omitempty"`
	ActorUsername string          `db:"actor_username" json:"actor_username"`
	ActorRole     string          `db:"actor_role" json:"actor_role"`
	Action        string          `db:"action" json:"action"`
	EntityType    string          `db:"entity_type" json:"entity_type"`
	EntityID      string          `db:"entity_id" json:"entity_id"`
	Before        json.RawMessage `db:"-" json:"before,omitempty"`
	After         json.RawMessage `db:"-" json:"after,omitempty"`
	RequestID     string          `db:"request_id" json:"request_id,omitempty"`
}

// Filter narrows a listing of the log; zero values do not filter.
type Filter struct {
	EntityType string
	EntityID   string
	ActorID    int64
	Action     string
	From, To   time.Time
	// AfterID continues a listing after the record with this id (newest first, so: older than it).
	AfterID int64
	Limit   int
}
