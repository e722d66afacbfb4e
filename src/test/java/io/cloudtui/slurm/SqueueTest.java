package io.cloudtui.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqueueTest {
    static String line(String... f) {
        return String.join(Squeue.SEP, f);
    }

    @Test
    void aRunningJobIsARowOfKindJob() {
        Workload w = Squeue.parse("slurm", "", line("42", "train|v2", "gpu", "RUNNING", "2", "1:02:03", "n[1-2]",
                "2026-12-07T10:00:00", "2026-12-07T10:01:00", "ana", "/home/ana/run.sh --x"));
        assertEquals("42", w.nativeId());
        assertEquals("train|v2", w.name());
        assertEquals(WorkloadKind.JOB, w.kind());
        assertEquals(State.RUNNING, w.state());
        assertEquals("gpu (2 nodes)", w.image());
        assertEquals("Running 1:02:03", w.status());
        assertEquals(List.of("n[1-2]"), w.ports());
        assertEquals("/home/ana/run.sh --x", w.command());
        assertEquals("gpu", w.labels().get("slurm.partition"));
        assertEquals(Squeue.time("2026-12-07T10:01:00"), w.started());
    }

    @Test
    void aPendingJobHasNoStartNorNodes() {
        Workload w = Squeue.parse("slurm", "", line("7", "wait", "debug", "PENDING", "1", "0:00", "(Resources)",
                "2026-12-07T10:00:00", "N/A", "ana", "(null)"));
        assertEquals(State.CREATED, w.state());
        assertEquals("Pending", w.status());
        assertEquals(List.of(), w.ports());
        assertNull(w.started());
        assertEquals("", w.command());
        assertEquals("debug (1 node)", w.image());
    }

    @Test
    void statesMapAsUsersReadThem() {
        assertEquals(State.CREATED, Squeue.state("PENDING"));
        assertEquals(State.RUNNING, Squeue.state("COMPLETING"));
        assertEquals(State.PAUSED, Squeue.state("SUSPENDED"));
        assertEquals(State.STOPPED, Squeue.state("CANCELLED"));
        assertEquals(State.STOPPED, Squeue.state("CANCELLED by 0"));
        assertEquals(State.STOPPED, Squeue.state("COMPLETED"));
        assertEquals(State.DEAD, Squeue.state("FAILED"));
        assertEquals(State.DEAD, Squeue.state("TIMEOUT"));
        assertEquals(State.DEAD, Squeue.state("OUT_OF_MEMORY"));
        assertEquals(State.UNKNOWN, Squeue.state("SOMETHING_NEW"));
    }

    @Test
    void linesThatAreNotJobsAreSkipped() {
        assertNull(Squeue.parse("slurm", "", "squeue: error: something"));
        assertEquals(1, Squeue.parseAll("slurm", "", "\n" + line("1", "a", "p", "RUNNING", "1", "0:01", "n", "N/A", "N/A", "u", "c") + "\nnoise\n").size());
    }

    @Test
    void scontrolFieldsKeepBlanksInValues() {
        Map<String, String> f = Squeue.fields("JobId=12 JobName=my job UserId=ana(1000) Command=/bin/sh -c echo WorkDir=/home/ana/my dir StdOut=/tmp/o 12.out");
        assertEquals("12", f.get("JobId"));
        assertEquals("my job", f.get("JobName"));
        assertEquals("/bin/sh -c echo", f.get("Command"));
        assertEquals("/home/ana/my dir", f.get("WorkDir"));
        assertEquals("/tmp/o 12.out", f.get("StdOut"));
    }

    @Test
    void foundOnlyWithSqueueAndAConfiguration(@TempDir Path d) throws Exception {
        Path bin = Files.createDirectories(d.resolve("bin"));
        Path conf = d.resolve("slurm.conf");
        assertFalse(SlurmProvider.present(bin.toString(), conf.toString()));
        Path sq = Files.writeString(bin.resolve("squeue"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(sq, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertFalse(SlurmProvider.present("/nonexistent:" + bin, conf.toString()), "no configuration");
        Files.writeString(conf, "ClusterName=x\n");
        assertTrue(SlurmProvider.present("/nonexistent:" + bin, conf.toString()));
        assertFalse(SlurmProvider.present("/nonexistent", conf.toString()), "no squeue");
    }

    @Test
    void srunsReportOfTheExitCodeIsDroppedAndEverythingElseKept() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SlurmBackend.SrunNoise n = new SlurmBackend.SrunNoise(out)) {
            n.write("my error\nsrun: error: vm: task 0: Exited with exit code 3\nsrun: warning: kept\nsrunner\nstill\nsrun: partial".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("my error\nsrun: warning: kept\nsrunner\nstill\nsrun: partial", out.toString(StandardCharsets.UTF_8));
    }
}
