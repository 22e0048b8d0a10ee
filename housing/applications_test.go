package housing

import (
	"errors"
	"sync"
	"testing"

	"talentd/internal/page"
	"talentd/talent"
)

func TestListApplications_WaitingListPagesOldestFirst(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	var filed []int64
	for range 3 {
		filed = append(filed, f.apply(t).ID)
	}
	// Filed in one transaction's instant or not, the order is (applied_at, id).
	f.db.MustExec(`UPDATE housing_applications SET applied_at = now() - interval '1 day' WHERE id = $1`, filed[2])
	want := []int64{filed[2], filed[0], filed[1]}
	var got []int64
	q := page.Query{Limit: 2}
	for pages := 0; ; pages++ {
		p, err := f.svc.ListApplications(f.ctx, ApplicationFilter{Kind: KindPublicRental, Status: ApplicationPending}, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Items {
			got = append(got, a.ID)
		}
		if p.NextCursor == "" || pages > 3 {
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("waiting list %v, want %v", got, want)
	}
	p, err := f.svc.ListApplications(f.ctx, ApplicationFilter{Kind: KindTalentApartment}, page.Query{})
	if err != nil || len(p.Items) != 0 {
		t.Errorf("talent apartments: %v %v", p.Items, err)
	}
}

func TestFileApplication_ParallelFilingsForOnePerson(t *testing.T) {
	t.Parallel()
	f := newLeaseFixture(t)
	idNumber := f.gen.Talent(talent.GradeD, nil).IDNumber
	results := make([]error, 4)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { _, results[i] = f.applyFor(idNumber) })
	}
	wg.Wait()
	filed := 0
	for _, err := range results {
		switch {
		case err == nil:
			filed++
		case !errors.Is(err, ErrLiveApplication):
			t.Errorf("a losing filing must be ErrLiveApplication, got %v", err)
		}
	}
	if filed != 1 {
		t.Errorf("%d live applications filed for one person", filed)
	}
}
