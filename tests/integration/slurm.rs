//! A real Slurm scheduler runs `deploy/slurm/`'s scripts: a one-node cluster on localhost
//! (munged, slurmctld, slurmd from Debian's `slurm-wlm` and `munge`, with a throwaway
//! configuration, key, state and logs in a temporary directory), a 3-task job array of a
//! ttx batch submitted with `deploy/slurm/submit.sh`, and the merge job that depends on it.
//! The merged files must equal one single-process run byte for byte.
//!
//! The array script gives ttx no `--shard`: each task finds its share in the variables
//! Slurm sets for an array task, so this also tests that detection under the real thing.
//!
//! If the daemons cannot be started (not installed, or they die), the test fails saying
//! why; it never passes without a scheduler. The daemons are stopped when the test ends,
//! whether it passed or not ([`Cluster`]'s `Drop`).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{SCHEDULER_VARIABLES, snapshot};

/// How long the array and the merge may take, queueing included (they take seconds).
const JOBS_TIMEOUT: Duration = Duration::from_secs(240);
/// How long the daemons may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Slurm's and munge's programs, looked up on PATH and in the sbin directories that a
/// non-login root shell may lack.
fn program(name: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "`{name}` is not installed (Debian: apt-get install slurm-wlm munge; .ci/run does this)"
            )
        })
}

/// A port on loopback that nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on loopback")
        .port()
}

/// The last lines of a log file, for a failure message.
fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| format!("(cannot read: {e})"));
    let all: Vec<&str> = text.lines().collect();
    let from = all.len().saturating_sub(lines);
    format!("--- {} ---\n{}", path.display(), all[from..].join("\n"))
}

/// A running one-node cluster. Dropping it cancels what is left of its jobs and stops
/// its daemons.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    /// slurmd, slurmctld, munged: stopped in this order.
    daemons: Vec<(&'static str, Child)>,
}

impl Cluster {
    /// Starts munged, slurmctld and slurmd in `dir` and waits until the node is idle.
    fn start(dir: &Path) -> Result<Cluster, String> {
        let munged = program("munged")?;
        let slurmctld = program("slurmctld")?;
        let slurmd = program("slurmd")?;
        for p in ["sbatch", "squeue", "scontrol", "scancel", "sinfo"] {
            program(p)?;
        }
        for sub in ["munge", "state", "spool", "log"] {
            fs::create_dir_all(dir.join(sub)).map_err(|e| format!("cannot create {sub}: {e}"))?;
        }
        // munged refuses a socket in a directory that not everyone can enter, and a key
        // that anyone but its owner can read.
        for d in [dir.to_path_buf(), dir.join("munge")] {
            fs::set_permissions(&d, fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("chmod {}: {e}", d.display()))?;
        }
        let key = dir.join("munge/munge.key");
        let mut bytes = vec![0u8; 128];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| format!("cannot read /dev/urandom for the munge key: {e}"))?;
        fs::write(&key, &bytes).map_err(|e| format!("cannot write the munge key: {e}"))?;
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod munge key: {e}"))?;

        let socket = dir.join("munge/munge.socket");
        let conf = dir.join("slurm.conf");
        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            conf: conf.clone(),
            daemons: Vec::new(),
        };

        let m = dir.join("munge");
        let child = Command::new(&munged)
            .arg("--foreground")
            .arg(format!("--key-file={}", key.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", m.join("munged.pid").display()))
            .arg(format!("--log-file={}", m.join("munged.log").display()))
            .arg(format!("--seed-file={}", m.join("munged.seed").display()))
            .stdin(Stdio::null())
            .stdout(log_file(&m.join("munged.out"))?)
            .stderr(log_file(&m.join("munged.out"))?)
            .spawn()
            .map_err(|e| format!("cannot start munged: {e}"))?;
        cluster.daemons.insert(0, ("munged", child));
        cluster.wait_for("munged to create its socket", || socket.exists())?;

        let (cpus, memory) = node_size(&slurmd)?;
        let d = dir.display();
        let text = format!(
            "# Throwaway one-node cluster of tests/integration/slurm.rs.
ClusterName=ttxtest
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
# No cgroups: plain process tracking works in containers and sandboxes too.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Finished jobs, kept as a file: a record that the daemons ran them.
JobCompType=jobcomp/filetxt
JobCompLoc={d}/jobcomp.txt
# Keep finished jobs queryable with scontrol for the whole test.
MinJobAge=900
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
",
            ctld_port = free_port(),
            slurmd_port = free_port(),
            socket = socket.display(),
        );
        fs::write(&conf, text).map_err(|e| format!("cannot write slurm.conf: {e}"))?;

        let log = dir.join("log");
        let child = Command::new(&slurmctld)
            .args(["-D", "-i", "-f"])
            .arg(&conf)
            .env("SLURM_CONF", &conf)
            .stdin(Stdio::null())
            .stdout(log_file(&log.join("slurmctld.out"))?)
            .stderr(log_file(&log.join("slurmctld.out"))?)
            .spawn()
            .map_err(|e| format!("cannot start slurmctld: {e}"))?;
        cluster.daemons.insert(0, ("slurmctld", child));
        // The node is named localhost whatever the machine's host name is.
        let child = Command::new(&slurmd)
            .args(["-D", "-N", "localhost", "-f"])
            .arg(&conf)
            .env("SLURM_CONF", &conf)
            .stdin(Stdio::null())
            .stdout(log_file(&log.join("slurmd.out"))?)
            .stderr(log_file(&log.join("slurmd.out"))?)
            .spawn()
            .map_err(|e| format!("cannot start slurmd: {e}"))?;
        cluster.daemons.insert(0, ("slurmd", child));

        let conf2 = conf.clone();
        cluster.wait_for(
            "the node to register with slurmctld and be idle",
            move || {
                Command::new("sinfo")
                    .args(["-h", "-N", "-o", "%T"])
                    .env("SLURM_CONF", &conf2)
                    .output()
                    .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
            },
        )?;
        Ok(cluster)
    }

    /// Polls `ready` until it holds; fails, with the daemons' logs, if a daemon exits or
    /// it takes longer than [`START_TIMEOUT`].
    fn wait_for(&mut self, what: &str, mut ready: impl FnMut() -> bool) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if ready() {
                return Ok(());
            }
            let exited = self
                .daemons
                .iter_mut()
                .find_map(|(name, child)| Some((*name, child.try_wait().ok()??)));
            if let Some((name, status)) = exited {
                return Err(format!(
                    "{name} exited ({status}) while waiting for {what}\n{}",
                    self.logs()
                ));
            }
            if start.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "timed out after {START_TIMEOUT:?} waiting for {what}\n{}",
                    self.logs()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The ends of the daemons' logs.
    fn logs(&self) -> String {
        let d = &self.dir;
        [
            d.join("munge/munged.log"),
            d.join("munge/munged.out"),
            d.join("log/slurmctld.out"),
            d.join("log/slurmctld.log"),
            d.join("log/slurmd.out"),
            d.join("log/slurmd.log"),
        ]
        .iter()
        .filter(|p| p.exists())
        .map(|p| tail(p, 15))
        .collect::<Vec<_>>()
        .join("\n")
    }

    /// A Slurm client command against this cluster (without the variables of a job
    /// array the test itself may run in).
    fn client(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("SLURM_CONF", &self.conf);
        for name in SCHEDULER_VARIABLES {
            cmd.env_remove(name);
        }
        cmd
    }

    /// `scontrol show job -o ID`, one map of fields per line (an array job: one per task).
    fn job(&self, id: &str) -> Vec<BTreeMap<String, String>> {
        let out = self
            .client("scontrol")
            .args(["show", "job", "-o", id])
            .output()
            .expect("scontrol runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("JobId="))
            .map(|l| {
                l.split_whitespace()
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }

    /// Stops the daemons (slurmd first) and checks that each has exited.
    fn shutdown(&mut self) -> Result<(), String> {
        let mut problems = Vec::new();
        for (name, mut child) in std::mem::take(&mut self.daemons) {
            // SIGTERM lets each daemon exit cleanly; SIGKILL if it does not within 10 s.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let start = Instant::now();
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    _ if start.elapsed() > Duration::from_secs(10) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        problems.push(format!("{name} ignored SIGTERM and was killed"));
                        break;
                    }
                    _ => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.daemons.is_empty() {
            return;
        }
        // A failed test may leave jobs queued or running: cancel them while slurmctld and
        // slurmd are still up to end their processes, then stop the daemons.
        if self.daemons.iter().any(|(n, _)| *n == "slurmctld") {
            let _ = self
                .client("scancel")
                .args(["--quiet", "--partition=debug"])
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(15) {
                let out = self.client("squeue").args(["-h", "-o", "%i"]).output();
                if out.map_or(true, |o| o.stdout.is_empty()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        let _ = self.shutdown();
    }
}

/// A log file for a daemon's standard output or error (appended, so both can share it).
fn log_file(path: &Path) -> Result<fs::File, String> {
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// The node's CPUs and memory (MB) as slurmd sees them (`slurmd -C`): configuring more
/// than the machine has would leave the node drained, and less memory than a job asks
/// for refuses the job.
fn node_size(slurmd: &Path) -> Result<(u32, u64), String> {
    let out = Command::new(slurmd)
        .arg("-C")
        .output()
        .map_err(|e| format!("cannot run slurmd -C: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.parse::<u64>().ok())
            .ok_or_else(|| format!("slurmd -C gave no {name}: {text}"))
    };
    Ok((field("CPUs=")? as u32, field("RealMemory=")?))
}

fn check(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Slurm job states after which a job will not run again.
const FINAL: [&str; 10] = [
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "BOOT_FAIL",
    "DEADLINE",
    "REVOKED",
];

/// The batch the test runs: a 2 x 2 sweep of the tutorial scenario, few replications,
/// as one process and as 3 array tasks (whose shares cut through cells).
const BATCH: &[&str] = &[
    "sweep",
    "scenarios/tutorial.yaml",
    "--set",
    "platforms.videotube.review.reviewers=4,10",
    "--set",
    "hash_sharing.delay=15m,1h",
    "--replications",
    "4",
];

#[test]
fn a_slurm_job_array_and_its_merge_job_equal_one_sweep_byte_for_byte() {
    let started = Instant::now();
    let root = env!("CARGO_MANIFEST_DIR");
    let ttx = PathBuf::from(env!("CARGO_BIN_EXE_ttx"));
    let tmp = tempfile::tempdir().unwrap();
    let mut cluster = Cluster::start(&tmp.path().join("cluster")).unwrap_or_else(|e| {
        panic!("the real-Slurm test could not start its one-node cluster on localhost: {e}")
    });

    // Submit as an analyst would, with ttx on PATH (TTX too, which the scripts honour).
    let out_dir = tmp.path().join("batch");
    let path = std::env::join_paths(std::iter::once(ttx.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let submitted = cluster
        .client("bash")
        .arg(Path::new(root).join("deploy/slurm/submit.sh"))
        // One core per task, so that two tasks run at once on this 2-core node.
        .args(["--cpus-per-task=1", "--mem=500M", "--time=00:10:00", "3"])
        .arg(&out_dir)
        .args(BATCH)
        .env("PATH", &path)
        .env("TTX", &ttx)
        .current_dir(root)
        .output()
        .unwrap();
    let said = check(&submitted, "deploy/slurm/submit.sh");
    // "array job A (3 tasks), merge job M; ..."
    let words: Vec<&str> = said.split_whitespace().collect();
    let array = words[2].to_string();
    let merge = words[7].trim_end_matches(';').to_string();
    assert!(
        array.parse::<u32>().is_ok() && merge.parse::<u32>().is_ok(),
        "job ids from submit.sh: {said}"
    );

    // Wait for the array's 3 tasks and the merge job to finish.
    let start = Instant::now();
    let (tasks, merged_job) = loop {
        let (tasks, m) = (cluster.job(&array), cluster.job(&merge));
        let done = |j: &BTreeMap<String, String>| FINAL.contains(&j["JobState"].as_str());
        let never = m.iter().any(|j| {
            j.get("Reason")
                .is_some_and(|r| r == "DependencyNeverSatisfied")
        });
        if (tasks.len() == 3 && tasks.iter().all(done) && m.iter().all(done) && m.len() == 1)
            || never
        {
            break (tasks, m);
        }
        if start.elapsed() > JOBS_TIMEOUT {
            panic!(
                "the jobs did not finish within {JOBS_TIMEOUT:?}:\narray {tasks:?}\nmerge {m:?}\n{}\n{}",
                batch_logs(&out_dir),
                cluster.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let report = || format!("{}\n{}", batch_logs(&out_dir), cluster.logs());

    // Slurm ran every task to success on its node, then the merge.
    let mut ids: Vec<&str> = tasks.iter().map(|t| t["ArrayTaskId"].as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["1", "2", "3"], "{}", report());
    for job in tasks.iter().chain(&merged_job) {
        assert!(
            job["JobState"] == "COMPLETED" && job["ExitCode"] == "0:0",
            "job {} ended {} with exit code {}\n{}",
            job["JobId"],
            job["JobState"],
            job["ExitCode"],
            report()
        );
        assert_eq!(job["NodeList"], "localhost");
    }
    let jobcomp = fs::read_to_string(tmp.path().join("cluster/jobcomp.txt")).unwrap();
    assert_eq!(
        jobcomp.matches("JobState=COMPLETED").count(),
        4,
        "{jobcomp}"
    );

    // Each task wrote its own share, found from the array's variables: shard K of 3.
    for k in 1..=3 {
        let manifest = fs::read_to_string(out_dir.join(format!("shard-{k}/shard.yaml")))
            .unwrap_or_else(|e| panic!("shard-{k}/shard.yaml: {e}\n{}", report()));
        assert!(
            manifest.contains(&format!("shard: {k}\n")) && manifest.contains("shards: 3\n"),
            "shard-{k}/shard.yaml:\n{manifest}"
        );
        let log = fs::read_to_string(out_dir.join(format!("logs/shard-{k}.log"))).unwrap();
        assert!(
            log.contains(&format!("task {k} of 3")),
            "shard-{k}.log:\n{log}"
        );
    }

    // The merged files are those of one single-process run, byte for byte.
    let full = tmp.path().join("full");
    let one = cluster
        .client(ttx.to_str().unwrap())
        .args(BATCH)
        .arg("--out")
        .arg(&full)
        .arg("--quiet")
        .current_dir(root)
        .output()
        .unwrap();
    check(&one, "the single-process run");
    let (a, b) = (snapshot(&full), snapshot(&out_dir.join("merged")));
    assert!(
        a.contains_key("runs.csv")
            && a.contains_key("sweep_summary.csv")
            && a.contains_key("run.yaml"),
        "{:?}",
        a.keys()
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{}",
        report()
    );
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "merged {name} differs from the single-process run's"
        );
    }

    // Everything is stopped: nothing of the cluster is left running.
    cluster.shutdown().unwrap();
    eprintln!("real-Slurm test: {:.1} s", started.elapsed().as_secs_f64());
}

/// The jobs' own logs (deploy/slurm/submit.sh puts them in OUT/logs/).
fn batch_logs(out: &Path) -> String {
    let Ok(entries) = fs::read_dir(out.join("logs")) else {
        return "(no job logs)".to_string();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .iter()
        .map(|p| tail(p, 20))
        .collect::<Vec<_>>()
        .join("\n")
}
