package tabular

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rssChildEnv names the file the child process reads; see peakRSS.
const rssChildEnv = "TABULAR_PEAK_RSS_FILE"

// TestPeakRSSChild is not a test of its own: it is the child process of
// peakRSS, which runs this test binary again to read one file in a fresh
// process, so that the process's peak resident set is the reading's alone.
func TestPeakRSSChild(t *testing.T) {
	path := os.Getenv(rssChildEnv)
	if path == "" {
		t.Skip("runs only as the child of a peak-memory measurement")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	r, err := Open(data)
	if err == nil {
		for {
			if _, err = r.Next(); err != nil {
				var re *RowError
				if errors.As(err, &re) {
					continue
				}
				break
			}
			rows++
		}
		_ = r.Close()
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	fmt.Printf("rows=%d err=%v\n", rows, err)
	// VmHWM is this process's own peak; ru_maxrss is not, as Linux carries
	// the parent's figure over the exec that started the child.
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status on this platform")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kib, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("peak-rss-kib=%s\n", strings.TrimSpace(strings.TrimSuffix(kib, "kB")))
		}
	}
}

// upload writes data to a file for peakRSS.
func upload(tb testing.TB, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "upload")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// peakRSS reads the file at path in a child process and returns the child's
// peak resident set in bytes and what it printed of its reading.
func peakRSS(tb testing.TB, path string) (int64, string) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeakRSSChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child: %v\n%s", err, out)
	}
	var (
		result string
		kib    int64 = -1
	)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "rows=") {
			result = line
		}
		if v, ok := strings.CutPrefix(line, "peak-rss-kib="); ok {
			kib, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if kib < 0 {
		tb.Skipf("the child could not measure its peak memory:\n%s", out)
	}
	return kib << 10, result
}

// atBounds are workbooks that reach a limit without passing it: what the
// limits still let an upload cost. Each is parts to replace in baseWorkbook.
var atBounds = []struct {
	name  string
	parts map[string]body
}{
	{"CellFormats", stylesWith(`<cellXfs>`, `<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="0" `+
		`pivotButton="0" applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1" applyProtection="1"/>`,
		`</cellXfs>`, MaxCellFormats-1)},
	{"SharedStrings", map[string]body{
		sstPart: repeated{head: `<sst ` + nsMain + `>`, unit: `<si><t>x</t></si>`, n: MaxSharedStrings, tail: `</sst>`},
		sheetPart: repeated{head: sheetHead, unit: `<row><c t="s"><v>` + strconv.Itoa(MaxSharedStrings-1) + `</v></c><c t="s"><v>0</v></c></row>`,
			n: 1000, tail: sheetTail}}},
	// Rows of a shared string of 1 MiB, as many times as a row may refer to
	// it; the strings are many enough to be read from a temporary file,
	// which makes a new copy of a string for every cell.
	{"RowText", map[string]body{
		sstPart: repeated{head: `<sst ` + nsMain + `><si><t>` + strings.Repeat("x", maxTokenBytes-8<<10) + `</t></si>`,
			unit: `<si><t>填充</t></si>`, n: 100_000, tail: `</sst>`},
		sheetPart: repeated{head: sheetHead, unit: `<row>` + strings.Repeat(`<c t="s"><v>0</v></c>`, MaxRowBytes/maxTokenBytes) + `</row>`,
			n: 200, tail: sheetTail}}},
	{"Workbook", workbookWith(`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets><definedNames>`,
		`<definedName name="a">1</definedName>`, `</definedNames>`, maxStructureElements-10)},
	{"Cells", sheetOf(`<row>`+strings.Repeat(`<c><v>1</v></c>`, 20)+`</row>`, MaxCells/20-1)},
}

// atAllBounds is one workbook at every limit that costs memory at once: as
// many cell formats, defined names and shared strings as allowed, the first
// string of 1 MiB, and rows that refer to it as often as a row may.
func atAllBounds(tb testing.TB) []byte {
	parts := map[string]body{
		sstPart: repeated{head: `<sst ` + nsMain + `><si><t>` + strings.Repeat("x", maxTokenBytes-8<<10) + `</t></si>`,
			unit: `<si><t>x</t></si>`, n: MaxSharedStrings - 1, tail: `</sst>`},
		sheetPart: repeated{head: sheetHead, unit: `<row>` + strings.Repeat(`<c t="s"><v>0</v></c>`, MaxRowBytes/maxTokenBytes) +
			`<c t="s"><v>` + strconv.Itoa(MaxSharedStrings-1) + `</v></c></row>`, n: 200, tail: sheetTail},
	}
	for _, f := range atBounds {
		if f.name == "CellFormats" || f.name == "Workbook" {
			maps.Copy(parts, f.parts)
		}
	}
	return craft(tb, baseWorkbook(), parts)
}

// BenchmarkPeakRSS reports the peak resident memory of a process that reads
// one upload: each bomb, each workbook at the limits, and large genuine
// lists. Each runs in a child process (see peakRSS), so the figure includes
// the upload itself and the Go runtime's own few MiB.
func BenchmarkPeakRSS(b *testing.B) {
	run := func(name string, data func(tb testing.TB) []byte) {
		b.Run(name, func(b *testing.B) {
			file := data(b)
			path := upload(b, file)
			var (
				peak   int64
				result string
			)
			for b.Loop() {
				var rss int64
				rss, result = peakRSS(b, path)
				peak = max(peak, rss)
			}
			b.Log(result)
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(len(file))/(1<<10), "file-KiB")
		})
	}
	for _, bomb := range xlsxBombs {
		run("bomb/"+bomb.name, bomb.data)
	}
	for _, bomb := range csvBombs {
		run("bomb/CSV"+bomb.name, bomb.data)
	}
	for _, f := range defused {
		run("defused/"+f.name, crafted(f.parts))
	}
	for _, f := range atBounds {
		run("bound/"+f.name, crafted(f.parts))
	}
	run("bound/All", atAllBounds)
	run("genuine/XLSX100k", func(tb testing.TB) []byte { return largeWorkbook(tb, 100_000) })
	run("genuine/Export100k", func(tb testing.TB) []byte { return exportedWorkbook(tb, 100_000) })
	run("genuine/CSV100k", func(testing.TB) []byte { return benchCSV() })
}

// maxPeakRSS is what reading any bomb may cost a process, the Go runtime and
// the upload included: the reading's part of the 200 MB an import may take,
// with room to spare (each needs about 20 MiB). Memory, unlike time, does not
// vary from run to run beyond a few MiB, so the bound can be asserted.
const maxPeakRSS = 128 << 20

// TestOpen_BombsPeakRSS reads every bomb, and every part that used to be
// one, in a process of its own, and checks the process's peak memory.
func TestOpen_BombsPeakRSS(t *testing.T) {
	t.Parallel()
	check := func(name string, data func(tb testing.TB) []byte) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rss, result := peakRSS(t, upload(t, data(t)))
			t.Logf("peak %d MiB: %s", rss>>20, result)
			if rss > maxPeakRSS {
				t.Errorf("reading took %d MiB at its peak; want at most %d", rss>>20, maxPeakRSS>>20)
			}
		})
	}
	for _, b := range xlsxBombs {
		check(b.name, b.data)
	}
	for _, b := range csvBombs {
		check("CSV"+b.name, b.data)
	}
	for _, d := range defused {
		check(d.name, crafted(d.parts))
	}
}
