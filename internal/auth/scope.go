package auth

import "context"

// Reach is how far a role reaches into one slice's data.
type Reach int

// The reaches, from none to everything. The zero value reaches nothing, so a role a table forgets
// and a Scope nobody computed both deny.
const (
	ReachNone       Reach = iota // nothing at all
	ReachOwn                     // the objects bound to the caller's own account (a commissioner's requests)
	ReachEnterprise              // the objects of the caller's enterprise (enterprise_hr)
	ReachAll                     // everything in the slice
)

// Reaches is one slice's table of how far each role reaches. A role missing from the table
// reaches nothing.
type Reaches map[Role]Reach

// Scope is the part of a slice's data that one caller may read and change. Services compute it
// once per call from the principal and the slice's Reaches, and every check and every SQL filter
// uses it; the zero Scope sees nothing.
type Scope struct {
	reach        Reach
	enterpriseID int64
	accountID    int64
}

// ScopeOf computes p's scope under the table. An enterprise reach without an enterprise, or an
// own reach without an account, is no reach at all.
func (r Reaches) ScopeOf(p Principal) Scope {
	switch reach := r[p.Role]; reach {
	case ReachAll:
		return Scope{reach: ReachAll}
	case ReachEnterprise:
		if p.EnterpriseID > 0 {
			return Scope{reach: ReachEnterprise, enterpriseID: p.EnterpriseID}
		}
	case ReachOwn:
		if p.AccountID > 0 {
			return Scope{reach: ReachOwn, accountID: p.AccountID}
		}
	}
	return Scope{}
}

// Scope returns the scope of the principal in ctx under the table, or ErrUnauthenticated when
// ctx carries no principal.
func (r Reaches) Scope(ctx context.Context) (Principal, Scope, error) {
	p, err := MustPrincipal(ctx)
	if err != nil {
		return Principal{}, Scope{}, err
	}
	return p, r.ScopeOf(p), nil
}

// Reach reports how far the scope reaches.
func (s Scope) Reach() Reach { return s.reach }

// None reports whether the scope sees nothing.
func (s Scope) None() bool { return s.reach == ReachNone }

// All reports whether the scope sees the whole slice. SQL filters take it as a boolean parameter:
// `($n OR t.enterprise_id = $m)`.
func (s Scope) All() bool { return s.reach == ReachAll }

// noID is what EnterpriseID and AccountID give for a scope not confined that way: no row has a
// negative id, and unlike 0 it does not match the "no enterprise" that some tables write as 0.
const noID = -1

// EnterpriseID is the enterprise an enterprise scope is confined to; -1, which matches no row,
// for every other scope.
func (s Scope) EnterpriseID() int64 {
	if s.reach != ReachEnterprise {
		return noID
	}
	return s.enterpriseID
}

// AccountID is the account an own scope is confined to; -1, which matches no row, otherwise.
func (s Scope) AccountID() int64 {
	if s.reach != ReachOwn {
		return noID
	}
	return s.accountID
}

// SeesEnterprise reports whether an object belonging to the enterprise (nil: to none) is in scope.
func (s Scope) SeesEnterprise(enterpriseID *int64) bool {
	switch s.reach {
	case ReachAll:
		return true
	case ReachEnterprise:
		return enterpriseID != nil && *enterpriseID == s.enterpriseID
	}
	return false
}

// SeesAccount reports whether an object bound to the account (nil: to none) is in scope.
func (s Scope) SeesAccount(accountID *int64) bool {
	switch s.reach {
	case ReachAll:
		return true
	case ReachOwn:
		return accountID != nil && *accountID == s.accountID
	}
	return false
}
