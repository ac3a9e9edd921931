package harness

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// pairColor gives each pair the same colour in every panel.
var pairColor = map[string]color.RGBA{
	"pulse":         {R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"dubbogo":       {R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"pulse→java":    {R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	"grpc":          {R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	"raw":           {R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
	"pulse→dubbogo": {R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	"dubbogo→pulse": {R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	"dubbogo→java":  {R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
	"java":          {R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
	"java→pulse":    {R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
	"java→dubbogo":  {R: 0x00, G: 0x3f, B: 0x5c, A: 0xff},
}

// WriteChart draws calls/s and p99 by concurrency, one row per kind, into a
// PNG.
func (r *Result) WriteChart(path string) error {
	kinds := r.kinds()
	if len(kinds) == 0 {
		return fmt.Errorf("harness: nothing to draw")
	}
	rows := make([][]*plot.Plot, len(kinds))
	for i, k := range kinds {
		tput, lat := plot.New(), plot.New()
		tput.Title.Text = kindTitle[k] + ": calls/s, median of runs (log scale)"
		lat.Title.Text = kindTitle[k] + ": p99 latency, ms (log scale)"
		var ticks []plot.Tick
		for _, c := range r.concs(k) {
			ticks = append(ticks, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
		}
		for _, p := range []*plot.Plot{tput, lat} {
			p.X.Label.Text = "concurrent callers"
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
			p.Add(plotter.NewGrid())
			p.Legend.Top = true
			p.Legend.Left = true
		}
		lat.Y.Scale = plot.LogScale{}
		lat.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		tput.Y.Scale = plot.LogScale{}
		tput.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		tput.Y.Min, tput.Y.Max = math.Inf(1), 0
		tput.Y.Label.Text = "calls/s"
		lat.Y.Label.Text = "p99, ms"
		// Explicit ranges: a log axis must stay above 0 even with one point.
		cs := r.concs(k)
		for _, p := range []*plot.Plot{tput, lat} {
			p.X.Min, p.X.Max = float64(cs[0])/1.5, float64(cs[len(cs)-1])*1.5
		}
		lat.Y.Min, lat.Y.Max = math.Inf(1), 0
		for j, pair := range r.pairs(k) {
			var tp, lp plotter.XYs
			for _, c := range r.concs(k) {
				pt := r.Find(pair, k, c)
				if pt == nil || len(pt.Runs) == 0 || pt.Med.P99us <= 0 || pt.Med.CallsPerSec <= 0 {
					continue
				}
				tp = append(tp, plotter.XY{X: float64(c), Y: pt.Med.CallsPerSec})
				tput.Y.Min = math.Min(tput.Y.Min, pt.Med.CallsPerSec/1.5)
				tput.Y.Max = math.Max(tput.Y.Max, pt.Med.CallsPerSec*1.5)
				lp = append(lp, plotter.XY{X: float64(c), Y: pt.Med.P99us / 1000})
				lat.Y.Min = math.Min(lat.Y.Min, pt.Med.P99us/1000/2)
				lat.Y.Max = math.Max(lat.Y.Max, pt.Med.P99us/1000*2)
			}
			if len(tp) == 0 {
				continue
			}
			col, ok := pairColor[pair]
			if !ok {
				col = color.RGBA{A: 0xff, B: uint8(40 * j)}
			}
			for _, s := range []struct {
				p   *plot.Plot
				xys plotter.XYs
			}{{tput, tp}, {lat, lp}} {
				l, pts, err := plotter.NewLinePoints(s.xys)
				if err != nil {
					return err
				}
				l.Color, pts.Color = col, col
				l.Width = vg.Points(2)
				if pair == Reference {
					l.Width = vg.Points(3)
				}
				pts.Shape = draw.CircleGlyph{}
				s.p.Add(l, pts)
				s.p.Legend.Add(pair, l, pts)
			}
		}
		if !(lat.Y.Min > 0) || lat.Y.Max <= lat.Y.Min {
			lat.Y.Min, lat.Y.Max = 0.01, 100
		}
		if !(tput.Y.Min > 0) || tput.Y.Max <= tput.Y.Min {
			tput.Y.Min, tput.Y.Max = 1, 1e6
		}
		rows[i] = []*plot.Plot{tput, lat}
	}
	const w, h = 13 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h*vg.Length(len(kinds))), vgimg.UseDPI(96))
	dc := draw.New(img)
	t := draw.Tiles{Rows: len(kinds), Cols: 2, PadX: vg.Inch / 4, PadY: vg.Inch / 4,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align(rows, t, dc)
	for i := range rows {
		for j, p := range rows[i] {
			p.Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
