import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DashboardDataService } from './dashboard-data.service';
import { SweepPlotService } from './sweep-plot.service';
import { sweepsListPage } from './sweeps-list.page';
import { sweepViewPage } from './sweep-view.page';

const SWEEP_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The dashboard: HTML pages that poll the REST API from the browser (no front-end build), and the
 * two figures rendered server-side as SVG by libs/plot.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  constructor(
    private readonly data: DashboardDataService,
    private readonly plots: SweepPlotService,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  list(): string {
    return sweepsListPage();
  }

  @Get('sweeps/:id/view')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async view(@Param('id') id: string): Promise<string> {
    const sweep = await this.data.sweep(this.checked(id));
    return sweepViewPage(sweep.id, sweep.name);
  }

  @Get('sweeps/:id/plot.svg')
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async plot(@Param('id') id: string): Promise<string> {
    const sweep = await this.data.sweep(this.checked(id));
    return this.plots.scalingSvg(sweep, await this.data.runs(sweep.id));
  }

  @Get('sweeps/:id/history.svg')
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async history(@Param('id') id: string): Promise<string> {
    const sweep = await this.data.sweep(this.checked(id));
    return this.plots.historySvg(sweep, await this.data.history(sweep.id));
  }

  private checked(id: string): string {
    if (!SWEEP_ID.test(id)) throw new NotFoundException(`unknown sweep '${id.slice(0, 128)}'`);
    return id;
  }
}
