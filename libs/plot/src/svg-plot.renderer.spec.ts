import { renderSvgPlot } from './svg-plot.renderer';
import { svgToPng } from './png';
import type { PlotSpec } from './plot.types';

const spec: PlotSpec = {
  title: 'losses <&> "compute"',
  xLabel: 'compute (FLOPs)',
  yLabel: 'final loss',
  series: [
    { kind: 'points', label: 'runs', color: '#31688e', points: [{ x: 1e18, y: 3.2 }, { x: 1e20, y: 2.6 }, { x: -1, y: 2 }] },
    { kind: 'line', label: 'law', color: '#777', points: [{ x: 1e17, y: 3.5 }, { x: 1e21, y: 2.3 }] },
    { kind: 'line', label: '', color: '#123', points: [{ x: 1e17, y: 3.4 }, { x: 1e21, y: 2.2 }] },
    { kind: 'intervals', label: 'target', color: '#d62728', marks: [{ x: 1e24, y: 1.95, lower: 1.9, upper: 2.0, truth: 1.94 }] },
  ],
};

describe('renderSvgPlot', () => {
  const svg = renderSvgPlot(spec);

  it('escapes text', () => {
    expect(svg).toContain('losses &lt;&amp;&gt; &quot;compute&quot;');
    expect(svg).not.toContain('<&>');
  });

  it('draws each valid point once, and skips points outside a log domain', () => {
    expect(svg.match(/class="series-point"/g)).toHaveLength(2);
  });

  it('draws lines, the target interval and the truth marker', () => {
    expect(svg.match(/class="series-line"/g)).toHaveLength(2);
    expect(svg).toContain('class="target"');
    expect(svg).toContain('class="truth"');
  });

  it('lists labelled series in the legend and leaves unlabelled ones out', () => {
    const legend = svg.slice(svg.indexOf('<g class="legend">'));
    expect(legend).toContain('>runs<');
    expect(legend).toContain('>law<');
    expect(legend).toContain('truth (simulator)');
    expect(legend.match(/<text /g)).toHaveLength(4);
  });

  it('puts larger compute further right and lower loss further down', () => {
    const cx = [...svg.matchAll(/class="series-point" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(cx[1][0]).toBeGreaterThan(cx[0][0]);
    expect(cx[1][1]).toBeGreaterThan(cx[0][1]);
  });

  it('is an SVG that resvg parses and rasterises', () => {
    const png = svgToPng(svg, 400);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.length).toBeGreaterThan(1000);
  });

  it('renders an empty plot without throwing', () => {
    expect(renderSvgPlot({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] })).toContain('</svg>');
  });
});
