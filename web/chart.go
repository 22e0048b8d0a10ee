package web

import (
	"strconv"
	"unicode/utf8"
)

// figure is one of the dashboard's numbers: a table (a label column and value columns) and a chart
// of one of its value columns, drawn on the server as SVG, so the page needs no chart library and
// the numbers drawn are the numbers in the table.
type figure struct {
	ID        string // also the name of its XLSX download
	Zh, En    string
	LabelZh   string // the label column's heading
	LabelEn   string
	Columns   []figureColumn
	Rows      []figureRow
	Chart     chart
	NoteZh    string
	NoteEn    string
	Forbidden bool
}

type figureColumn struct{ Zh, En string }

// figureRow is one row: its label and one value per column, with the value as shown.
type figureRow struct {
	LabelZh, LabelEn string
	Values           []float64
	Shown            []string
}

// chart is the SVG geometry of one value column of a figure.
type chart struct {
	Columns       bool // vertical columns (a series over time) rather than horizontal bars
	Width, Height int
	Bars          []chartBar
	Column        int // which value column is drawn
}

type chartBar struct {
	X, Y, W, H     int
	LabelX, LabelY int
	ValueX, ValueY int
	Label          string
	Shown          string
	Value          float64
}

const (
	barHeight   = 22
	barGap      = 6
	barLabelW   = 170
	barAreaW    = 380
	chartWidth  = barLabelW + barAreaW + 80
	columnAreaH = 180
)

// draw lays out the chart of value column col, in the reader's language.
func (f *figure) draw(col int, columns bool, lang string) {
	max := 0.0
	for _, r := range f.Rows {
		if v := r.Values[col]; v > max {
			max = v
		}
	}
	scale := func(v float64, span int) int {
		if max <= 0 {
			return 0
		}
		return int(v / max * float64(span))
	}
	c := chart{Columns: columns, Column: col, Width: chartWidth}
	if columns {
		n := max1(len(f.Rows))
		step := (chartWidth - 20) / n
		w := min(max1(step-4), 48)
		c.Height = columnAreaH + 60
		for i, r := range f.Rows {
			h := scale(r.Values[col], columnAreaH)
			x := 10 + i*step
			c.Bars = append(c.Bars, chartBar{X: x, Y: 20 + columnAreaH - h, W: w, H: h,
				LabelX: x + w/2, LabelY: columnAreaH + 36, ValueX: x + w/2, ValueY: 16 + columnAreaH - h,
				Label: shorten(r.label(lang), 7), Shown: r.Shown[col], Value: r.Values[col]})
		}
	} else {
		c.Height = len(f.Rows)*(barHeight+barGap) + barGap
		for i, r := range f.Rows {
			y := barGap + i*(barHeight+barGap)
			w := scale(r.Values[col], barAreaW)
			c.Bars = append(c.Bars, chartBar{X: barLabelW, Y: y, W: w, H: barHeight,
				LabelX: barLabelW - 8, LabelY: y + barHeight - 6, ValueX: barLabelW + w + 6, ValueY: y + barHeight - 6,
				Label: shorten(r.label(lang), 12), Shown: r.Shown[col], Value: r.Values[col]})
		}
	}
	f.Chart = c
}

func (r figureRow) label(lang string) string {
	if lang == "en" && r.LabelEn != "" {
		return r.LabelEn
	}
	return r.LabelZh
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// shorten keeps a chart label to n characters; the table beside the chart has it whole.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// count is a whole number as a figure value.
func count(n int) (float64, string) { return float64(n), strconv.Itoa(n) }

// percent is a rate (0–1) as a figure value.
func percent(rate float64) (float64, string) {
	return rate * 100, strconv.FormatFloat(rate*100, 'f', 1, 64) + "%"
}
