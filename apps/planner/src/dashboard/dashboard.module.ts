import { Module } from '@nestjs/common';
import { BullBoardService } from './bull-board.service';
import { DashboardController } from './dashboard.controller';
import { DashboardDataService } from './dashboard-data.service';
import { SweepPlotService } from './sweep-plot.service';

/** The planner's web dashboard (`/`, `/sweeps/:id/view`, the SVG figures) and Bull Board at /queues. */
@Module({
  controllers: [DashboardController],
  providers: [DashboardDataService, SweepPlotService, BullBoardService],
})
export class DashboardModule {}
