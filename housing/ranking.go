package housing

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"slices"
	"strconv"
	"time"
)

// How a round ranks its applicants and matches them to units. Everything here is pure: the same
// seed, applicants, units and settings always give the same ranking and the same proposals, so
// anyone holding the published list of a committed round can recompute it by hand.
//
// Lottery ticket. Each applicant's ticket is SHA-256 over the round's 32 seed bytes, the ASCII
// colon ":" and the application id written in decimal without leading zeros, e.g. for id 42:
// SHA-256(seed ‖ ":42"). Tickets are published in lower-case hex; a smaller ticket (compared byte
// by byte, which is the same as comparing the hex strings) ranks first.
//
// Order. Applicants whose refusals reach the settings' refusal_limit (when the limit is above 0)
// go after everyone else, ordered among themselves by the same rules. Then:
//   - talent apartments: by class, A first, then B, C, D;
//   - public rental: by priority score, higher first, where the score is key_enterprise points
//     when the applicant's enterprise is a key enterprise, plus per_extra_member points for each
//     household member beyond the first, plus no_current_housing points when the current housing
//     is empty or "无" (ignoring surrounding spaces);
//
// then by the district date (UTC+8) on which the application was filed, earlier first; then by
// ticket. Tickets differ whenever ids do, so the order is total.
//
// Matching. Walking the ranking from rank 1, each applicant is proposed the best unit of the
// round that nobody ranked before them was proposed: among the units whose room count fits the
// household size (the settings' rooms_for_household table) and, when the applicant named
// preferred room counts, is one of them, the one with the fewest rooms, then the smallest floor
// area, then the lowest unit id. An applicant with no such unit gets no proposal and a reason:
// no_fitting_unit when no unit of a fitting size is left at all, no_preferred_unit when fitting
// units are left but none with a preferred room count.

// maxRooms is the most rooms a unit can have (the schema's CHECK).
const maxRooms = 10

// Reasons an applicant gets no unit.
const (
	reasonNoFittingUnit   = "no_fitting_unit"
	reasonNoPreferredUnit = "no_preferred_unit"
)

// rankedApplication is what ranking needs of one application, kept small so a round over tens of
// thousands of applications stays a few megabytes.
type rankedApplication struct {
	ID            int64
	Grade         string // talent apartments; "" for public rental
	Priority      int32  // public rental; 0 for talent apartments
	Refusals      int32
	AppliedOn     int32 // days since 1970-01-01 of the district date of filing
	HouseholdSize int32
	// Preferred holds bit r for each preferred room count r (bit 15 for a count no unit can have);
	// 0 means no preference.
	Preferred uint16
	Late      bool // refusals reached the limit: ranked after everyone else
	// The parts of a public-rental priority, published with the ranking.
	KeyEnterprise, NoCurrentHousing bool
	Ticket                          [sha256.Size]byte
}

// roundUnit is what matching needs of one unit.
type roundUnit struct {
	ID        int64
	Rooms     int32
	AreaCenti int64 // floor area in hundredths of a square metre
}

// proposal is the outcome of matching for the applicant at the same position of the ranking:
// a unit, or the reason there is none.
type proposal struct {
	UnitID int64 // 0 when none
	Reason string
}

// lotteryTicket computes an application's ticket from the round's seed.
func lotteryTicket(seed []byte, applicationID int64) [sha256.Size]byte {
	h := sha256.New()
	h.Write(seed)
	h.Write([]byte{':'})
	h.Write(strconv.AppendInt(nil, applicationID, 10))
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// preferenceMask turns a list of preferred room counts into rankedApplication.Preferred.
func preferenceMask(rooms []int64) uint16 {
	var m uint16
	for _, r := range rooms {
		if r >= 0 && r <= maxRooms {
			m |= 1 << r
		} else {
			m |= 1 << 15
		}
	}
	return m
}

// prefers reports whether the applicant takes a unit of the given rooms as far as preferences go.
func (a *rankedApplication) prefers(rooms int32) bool {
	return a.Preferred == 0 || (rooms >= 0 && rooms <= maxRooms && a.Preferred&(1<<rooms) != 0)
}

// priorityScore is a public-rental applicant's priority under the weights.
func priorityScore(w PriorityWeights, keyEnterprise bool, householdSize int, noCurrentHousing bool) int {
	score := w.PerExtraMember * max(householdSize-1, 0)
	if keyEnterprise {
		score += w.KeyEnterprise
	}
	if noCurrentHousing {
		score += w.NoCurrentHousing
	}
	return score
}

// rankApplications sorts apps into the round's order (see the rules at the top of this file) after
// setting each one's ticket and lateness.
func rankApplications(seed []byte, kind Kind, st Settings, apps []rankedApplication) {
	for i := range apps {
		apps[i].Ticket = lotteryTicket(seed, apps[i].ID)
		apps[i].Late = st.RefusalLimit > 0 && int(apps[i].Refusals) >= st.RefusalLimit
	}
	slices.SortFunc(apps, func(a, b rankedApplication) int {
		if a.Late != b.Late {
			if a.Late {
				return 1
			}
			return -1
		}
		if kind == KindTalentApartment {
			if c := cmp.Compare(a.Grade, b.Grade); c != 0 {
				return c
			}
		} else if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c // higher first
		}
		if c := cmp.Compare(a.AppliedOn, b.AppliedOn); c != 0 {
			return c
		}
		return bytes.Compare(a.Ticket[:], b.Ticket[:])
	})
}

// matchUnits proposes units to the ranked applicants in order (see the rules at the top of this file).
// Units are grouped by room count and each group sorted by area then id, so the best unit of a
// room count is always the first one left in its group: matching takes one step per room count
// per applicant, whatever the number of units.
func matchUnits(st Settings, ranked []rankedApplication, units []roundUnit) []proposal {
	var byRooms [maxRooms + 1][]roundUnit
	for _, u := range units {
		if u.Rooms >= 0 && u.Rooms <= maxRooms {
			byRooms[u.Rooms] = append(byRooms[u.Rooms], u)
		}
	}
	for r := range byRooms {
		slices.SortFunc(byRooms[r], func(a, b roundUnit) int {
			if a.AreaCenti != b.AreaCenti {
				return cmp.Compare(a.AreaCenti, b.AreaCenti)
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	var next [maxRooms + 1]int // the first unit not yet proposed, per room count
	out := make([]proposal, len(ranked))
	for i := range ranked {
		a := &ranked[i]
		fittingLeft := false
		for r := int32(0); r <= maxRooms; r++ {
			if next[r] == len(byRooms[r]) || !st.Fits(int(r), int(a.HouseholdSize)) {
				continue
			}
			fittingLeft = true
			if a.prefers(r) {
				out[i].UnitID = byRooms[r][next[r]].ID
				next[r]++
				break
			}
		}
		switch {
		case out[i].UnitID != 0:
		case fittingLeft:
			out[i].Reason = reasonNoPreferredUnit
		default:
			out[i].Reason = reasonNoFittingUnit
		}
	}
	return out
}

// epochDay is the midnight (UTC) that begins day d counted from 1970-01-01.
func epochDay(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// preferredRooms turns a preference mask back into the room counts (those a unit can have).
func preferredRooms(mask uint16) []int64 {
	out := []int64{}
	for r := int64(0); r <= maxRooms; r++ {
		if mask&(1<<r) != 0 {
			out = append(out, r)
		}
	}
	return out
}
