import { Resvg } from '@resvg/resvg-js';

/** Rasterises an SVG with resvg (Rust, prebuilt binaries: no browser, no canvas build). */
export function svgToPng(svg: string, width = 1720): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}
