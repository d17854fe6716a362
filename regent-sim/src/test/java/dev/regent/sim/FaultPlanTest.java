package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    @Test
    void theScheduleIsAFunctionOfTheSeedAndFitsTheWindow() {
        for (long seed = 0; seed < 500; seed++) {
            List<Fault> a = FaultPlan.draw(new SplittableRandom(seed), 5, 60_000, 360_000, 30_000);
            List<Fault> b = FaultPlan.draw(new SplittableRandom(seed), 5, 60_000, 360_000, 30_000);
            assertThat(a).isEqualTo(b).isNotEmpty().hasSizeLessThanOrEqualTo(FaultPlan.MAX_FAULTS);
            for (Fault f : a) {
                assertThat(f.at()).isBetween(60_000L, 360_000L);
                assertThat(f.at() + f.duration()).isLessThanOrEqualTo(360_000L);
                assertThat(f.node()).isLessThan(5);
                if (f.kind() == Fault.Kind.FREEZE) assertThat(f.duration()).isLessThanOrEqualTo(120_000L);
            }
        }
    }

    @Test
    void everyKindOfFaultIsDrawnOverManySeeds() {
        java.util.Set<Fault.Kind> seen = java.util.EnumSet.noneOf(Fault.Kind.class);
        for (long seed = 0; seed < 300; seed++) {
            for (Fault f : FaultPlan.draw(new SplittableRandom(seed), 3, 60_000, 360_000, 30_000)) seen.add(f.kind());
        }
        assertThat(seen).containsExactlyInAnyOrder(Fault.Kind.values());
    }
}
