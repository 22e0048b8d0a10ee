package accounts

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// ThrottleOptions tune login throttling; a zero field takes the default in brackets.
type ThrottleOptions struct {
	// PerPair is how many failures one address may have on one username before the delays start [5].
	PerPair int
	// PerAddress is how many failures one address may have across all usernames it is a stranger
	// to before the delays start [100]: high, because a whole office may sit behind one NAT address.
	PerAddress int
	// PerAccount is how many failures one username may have from all the addresses that are
	// strangers to it before the delays start [20].
	PerAccount int
	// BaseDelay is the first delay past a limit; each further failure doubles it, up to MaxDelay
	// [1 minute, 1 hour].
	BaseDelay, MaxDelay time.Duration
	// Memory is how long counted failures are kept after the last one [24 hours].
	Memory time.Duration
	// KnownFor is how long an address stays known to an account after a successful sign-in from it
	// [30 days].
	KnownFor time.Duration
	// MaxEntries bounds each of the throttle's tables [50,000].
	MaxEntries int
}

func (o ThrottleOptions) withDefaults() ThrottleOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.PerPair, 5)
	def(&o.PerAddress, 100)
	def(&o.PerAccount, 20)
	def(&o.MaxEntries, 50_000)
	defDur(&o.BaseDelay, time.Minute)
	defDur(&o.MaxDelay, time.Hour)
	defDur(&o.Memory, 24*time.Hour)
	defDur(&o.KnownFor, 30*24*time.Hour)
	return o
}

// throttle decides whether a password may be checked at all. It guards login and the
// current-password check of a password change, and it answers before any hashing, so that
// guesses refused by it cost neither CPU nor memory.
//
// Failures are counted in three tables:
//
//   - per (username, address) pair: the hard limit. PerPair failures are free; after that each
//     further attempt from that address on that username must wait BaseDelay, doubling with every
//     further failure up to MaxDelay. A success from the pair clears it. Only this table ever
//     stops an address that has signed in to the account before, so an attacker elsewhere cannot
//     lock the owner out of the place they work from, nor can a colleague behind the same NAT.
//   - per address, across usernames: stops one address spraying guesses over many usernames.
//     PerAddress is high enough for an office NAT, and the failures of a pair that later signs in
//     are taken back (they were typos, not guesses).
//   - per username, across addresses: slows guessing distributed over many addresses. Like the
//     address table it counts and applies only to addresses that are strangers to the account (no
//     success from there within KnownFor), so it slows every stranger but never the owner at their
//     usual desk.
//
// Each attempt reserves its place in every table that applies before the password is hashed, and
// then either fails (the reservation becomes a failure), succeeds (the pair is cleared) or is
// abandoned (no verdict, e.g. no hashing slot). Concurrent attempts therefore count: of forty
// parallel guesses only PerPair are ever checked. Past a limit, at most one attempt per key is in
// flight at a time.
//
// Failures are forgotten Memory after the last one, when an admin unlocks the account, or when the
// table is full (oldest first); the tables live in memory and are bounded by MaxEntries each, so a
// restart forgets them, which only gives an attacker another handful of guesses. IPv6 addresses
// count per /64, the block one subscriber usually gets.
type throttle struct {
	mu    sync.Mutex
	o     ThrottleOptions
	now   func() time.Time
	pairs map[string]*failures
	addrs map[string]*failures
	users map[string]*failures
	known map[string]time.Time // pair key → until when the address is known to the username
}

// failures is one key's count: failed attempts, attempts in flight, and when the last one failed.
type failures struct {
	fails, pending int
	last           time.Time
	// On pair entries: how many of fails were also counted against the address and the username,
	// to be taken back from those if the pair later signs in.
	addrCharged, userCharged int
}

func newThrottle(o ThrottleOptions, now func() time.Time) *throttle {
	return &throttle{o: o.withDefaults(), now: now, pairs: map[string]*failures{},
		addrs: map[string]*failures{}, users: map[string]*failures{}, known: map[string]time.Time{}}
}

// attempt is one reserved password check; exactly one of failed, succeeded or abandon ends it.
type attempt struct {
	t              *throttle
	user, addr     string
	pair           string
	chargeAddrUser bool // the address is a stranger to the username
}

// maxKeyLen bounds the bytes of a username or address kept as a key, so that overlong input cannot
// grow the tables; no real username or address is that long.
const maxKeyLen = 128

// throttleKeys normalises a username and a client address into table keys.
func throttleKeys(username, clientAddr string) (user, addr, pair string) {
	user = truncate(username)
	addr = truncate(clientAddr)
	if ip, err := netip.ParseAddr(clientAddr); err == nil {
		ip = ip.Unmap()
		if ip.Is6() {
			if p, err := ip.Prefix(64); err == nil {
				addr = p.String()
			}
		} else {
			addr = ip.String()
		}
	}
	return user, addr, user + "\x00" + addr
}

func truncate(s string) string {
	if len(s) > maxKeyLen {
		return s[:maxKeyLen]
	}
	return s
}

// begin reserves an attempt for username from clientAddr, or returns how long to wait first.
func (t *throttle) begin(username, clientAddr string) (*attempt, time.Duration) {
	user, addr, pair := throttleKeys(username, clientAddr)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := &attempt{t: t, user: user, addr: addr, pair: pair, chargeAddrUser: !t.isKnown(pair, now)}
	wait := t.wait(t.pairs, pair, t.o.PerPair, now)
	if a.chargeAddrUser {
		wait = max(wait, t.wait(t.addrs, addr, t.o.PerAddress, now), t.wait(t.users, user, t.o.PerAccount, now))
	}
	if wait > 0 {
		return nil, wait
	}
	t.entry(t.pairs, pair, now).pending++
	if a.chargeAddrUser {
		t.entry(t.addrs, addr, now).pending++
		t.entry(t.users, user, now).pending++
	}
	return a, 0
}

// failed records the attempt as a failed password check.
func (a *attempt) failed() {
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	p := t.fail(t.pairs, a.pair, now)
	if a.chargeAddrUser {
		t.fail(t.addrs, a.addr, now)
		t.fail(t.users, a.user, now)
		p.addrCharged++
		p.userCharged++
	}
}

// succeeded clears the pair, takes its earlier failures back from the address and the username,
// and remembers the address as known to the username.
func (a *attempt) succeeded() {
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if p := t.pairs[a.pair]; p != nil {
		release(p)
		if f := t.addrs[a.addr]; f != nil {
			f.fails -= min(f.fails, p.addrCharged)
		}
		if f := t.users[a.user]; f != nil {
			f.fails -= min(f.fails, p.userCharged)
		}
		p.fails, p.addrCharged, p.userCharged = 0, 0, 0
		tidy(t.pairs, a.pair)
	}
	a.releaseAddrUser()
	if _, ok := t.known[a.pair]; !ok && len(t.known) >= t.o.MaxEntries {
		t.pruneKnown(now)
	}
	t.known[a.pair] = now.Add(t.o.KnownFor)
}

// abandon ends the attempt without a verdict: the password was never checked.
func (a *attempt) abandon() {
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.pairs[a.pair]; p != nil {
		release(p)
		tidy(t.pairs, a.pair)
	}
	a.releaseAddrUser()
}

func (a *attempt) releaseAddrUser() {
	if !a.chargeAddrUser {
		return
	}
	t := a.t
	for _, k := range []struct {
		m   map[string]*failures
		key string
	}{{t.addrs, a.addr}, {t.users, a.user}} {
		if f := k.m[k.key]; f != nil {
			release(f)
			tidy(k.m, k.key)
		}
	}
}

// unlock forgets the failures counted against username, from every address, and reports how many
// entries it dropped. Failures counted against an address across usernames stay.
func (t *throttle) unlock(username string) int {
	user, _, _ := throttleKeys(username, "")
	prefix := user + "\x00"
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for k := range t.pairs {
		if strings.HasPrefix(k, prefix) {
			delete(t.pairs, k)
			n++
		}
	}
	if _, ok := t.users[user]; ok {
		delete(t.users, user)
		n++
	}
	return n
}

// isKnown reports whether the pair signed in successfully within KnownFor.
func (t *throttle) isKnown(pair string, now time.Time) bool {
	until, ok := t.known[pair]
	if ok && !now.Before(until) {
		delete(t.known, pair)
		return false
	}
	return ok
}

// delay is how long after its last failure a key with n failures must wait; free failures cost none.
func (t *throttle) delay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := t.o.BaseDelay
	for range n - free {
		if d >= t.o.MaxDelay {
			break
		}
		d *= 2
	}
	return min(d, t.o.MaxDelay)
}

// inFlightWait is the Retry-After given when the only thing in the way is an attempt still being
// checked: it will be decided within a moment.
const inFlightWait = time.Second

// wait returns how long key must wait before another attempt may be reserved, or 0.
func (t *throttle) wait(m map[string]*failures, key string, free int, now time.Time) time.Duration {
	f := t.live(m, key, now)
	if f == nil {
		return 0
	}
	if w := f.last.Add(t.delay(f.fails, free)).Sub(now); w > 0 {
		return w
	}
	// Below the limit, attempts may run side by side as long as each would still be within it;
	// past it, one at a time.
	if f.pending > 0 && f.fails+f.pending >= free {
		return inFlightWait
	}
	return 0
}

// live returns key's entry unless there is none or it has been forgotten.
func (t *throttle) live(m map[string]*failures, key string, now time.Time) *failures {
	f := m[key]
	if f != nil && t.forgotten(f, now) {
		delete(m, key)
		return nil
	}
	return f
}

func (t *throttle) forgotten(f *failures, now time.Time) bool {
	return f.pending == 0 && now.Sub(f.last) >= t.o.Memory
}

// entry returns key's entry, creating it, and making room first when the table is full.
func (t *throttle) entry(m map[string]*failures, key string, now time.Time) *failures {
	if f := t.live(m, key, now); f != nil {
		return f
	}
	if len(m) >= t.o.MaxEntries {
		t.prune(m, now)
	}
	f := &failures{last: now}
	m[key] = f
	return f
}

func (t *throttle) fail(m map[string]*failures, key string, now time.Time) *failures {
	f := m[key]
	if f == nil {
		// Dropped while the attempt was in flight (an unlock, a full table): count it afresh.
		f = t.entry(m, key, now)
	} else {
		release(f)
	}
	f.fails++
	f.last = now
	return f
}

func release(f *failures) {
	if f.pending > 0 {
		f.pending--
	}
}

// tidy drops an entry that no longer holds anything.
func tidy(m map[string]*failures, key string) {
	if f := m[key]; f != nil && f.fails == 0 && f.pending == 0 {
		delete(m, key)
	}
}

// prune makes room in a full table: forgotten entries go first, then the longest-idle tenth of
// those with no attempt in flight, so a flood of new keys costs old keys their memory, not the
// process its memory.
func (t *throttle) prune(m map[string]*failures, now time.Time) {
	type idle struct {
		key  string
		last time.Time
	}
	var candidates []idle
	for k, f := range m {
		switch {
		case t.forgotten(f, now) || (f.fails == 0 && f.pending == 0):
			delete(m, k)
		case f.pending == 0:
			candidates = append(candidates, idle{k, f.last})
		}
	}
	if len(m) < t.o.MaxEntries*9/10 {
		return
	}
	slices.SortFunc(candidates, func(a, b idle) int { return a.last.Compare(b.last) })
	for _, c := range candidates[:min(len(candidates), len(m)-t.o.MaxEntries*9/10)] {
		delete(m, c.key)
	}
}

// pruneKnown makes room among the known addresses: expired ones first, then the oldest tenth.
func (t *throttle) pruneKnown(now time.Time) {
	type known struct {
		key   string
		until time.Time
	}
	var all []known
	for k, until := range t.known {
		if !now.Before(until) {
			delete(t.known, k)
		} else {
			all = append(all, known{k, until})
		}
	}
	if len(t.known) < t.o.MaxEntries*9/10 {
		return
	}
	slices.SortFunc(all, func(a, b known) int { return a.until.Compare(b.until) })
	for _, k := range all[:len(t.known)-t.o.MaxEntries*9/10] {
		delete(t.known, k.key)
	}
}
