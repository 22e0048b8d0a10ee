package subsidy

import (
	"testing"

	"talentd/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
