/**
 * The child side of the bench's IPC: answers the driver's questions about this process (CPU time
 * so far, resident memory) and exits when the driver goes away, so no bench process outlives it.
 */
export interface ProbeAnswer {
  cpuMicros: number;
  rssBytes: number;
}

export function answerProbes(): void {
  process.on('message', (message: { probe?: boolean }) => {
    if (!message.probe) return;
    const cpu = process.cpuUsage();
    const answer: ProbeAnswer = { cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
    process.send?.({ probe: answer });
  });
  process.on('disconnect', () => process.exit(0));
}
