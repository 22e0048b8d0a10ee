package vocab

import "sync"

// registry holds every list made with NewList, in the order they were made. Lists are package
// variables of the slices, made at start, so the registry is complete before the first request.
var registry struct {
	sync.RWMutex
	lists []*List
}

func register(l *List) {
	registry.Lock()
	defer registry.Unlock()
	registry.lists = append(registry.lists, l)
}

// Lookup returns the list made under name (the first one, should two share a name).
func Lookup(name string) (*List, bool) {
	registry.RLock()
	defer registry.RUnlock()
	for _, l := range registry.lists {
		if l.name == name {
			return l, true
		}
	}
	return nil, false
}

// ForCodes returns the list that codes come from, for a field known only by its allowed values
// (an enum tag): the list with exactly these codes, else the one list that has them all, else any
// of several that have them all and agree on their labels. It reports false when no list has them
// all or the lists that do label them differently — then the codes are all there is to show.
func ForCodes(codes []string) (*List, bool) {
	if len(codes) == 0 {
		return nil, false
	}
	registry.RLock()
	defer registry.RUnlock()
	var found []*List
	for _, l := range registry.lists {
		if l.hasAll(codes) {
			if len(l.terms) == len(codes) {
				return l, true
			}
			found = append(found, l)
		}
	}
	if len(found) == 0 {
		return nil, false
	}
	for _, other := range found[1:] {
		for _, c := range codes {
			if !sameTerm(found[0], other, c) {
				return nil, false
			}
		}
	}
	return found[0], true
}

func (l *List) hasAll(codes []string) bool {
	for _, c := range codes {
		if !l.Has(c) {
			return false
		}
	}
	return true
}

// sameTerm reports whether a and b label code alike.
func sameTerm(a, b *List, code string) bool {
	ta, _ := a.Term(code)
	tb, _ := b.Term(code)
	return ta.Zh == tb.Zh && ta.En == tb.En
}
