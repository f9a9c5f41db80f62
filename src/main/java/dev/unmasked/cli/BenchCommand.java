package dev.unmasked.cli;

import dev.unmasked.UserError;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.bench.MachineInfo;
import dev.unmasked.bench.UNetBench;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.unet.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.unmasked.bench.RandomModels;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked bench ...}: speed measurements printed with the machine they ran on. */
@Command(name = "bench", description = "Measure speed (prints the machine and absolute figures).",
    subcommands = {BenchCommand.Unet.class, BenchCommand.Pipeline.class, BenchCommand.Train.class,
        BenchCommand.Learn.class, BenchCommand.Compare.class}, mixinStandardHelpOptions = true)
public final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "unet", mixinStandardHelpOptions = true,
      description = "UNet forward and forward+backward (gradient to the text context) time.")
  static final class Unet implements Callable<Integer> {
    @Option(names = "--model", description = "diffusers folder whose unet/ to time")
    Path model;

    @Option(names = "--sd15", description = "time an SD-1.5-shaped UNet with random weights")
    boolean sd15;

    @Option(names = "--height", description = "latent height (default: 64 for --sd15, else 8)")
    Integer height;

    @Option(names = "--width", description = "latent width (default: 64 for --sd15, else 8)")
    Integer width;

    @Option(names = "--batch", defaultValue = "1")
    int batch;

    @Option(names = "--repeats", defaultValue = "3", description = "timed rounds after one warm-up")
    int repeats;

    @Option(names = "--checkpoint", description = "forward+backward with activation checkpointing"
        + " per UNet block (less memory, about one more forward pass)")
    boolean checkpoint;

    @Override
    public Integer call() throws Exception {
      if ((model == null) == !sd15) {
        throw new UserError("give exactly one of --model DIR or --sd15");
      }
      int h = height != null ? height : sd15 ? 64 : 8;
      int w = width != null ? width : sd15 ? 64 : 8;
      System.out.println("machine: " + MachineInfo.describe());
      try (NDManager m = NDManager.newBaseManager()) {
        long t0 = System.nanoTime();
        UNet2DConditionModel unet;
        String name;
        if (sd15) {
          unet = dev.unmasked.bench.RandomModels.sd15Unet(m);
          name = "SD-1.5-shaped UNet (random weights)";
        } else {
          Path cfg = model.resolve("unet/config.json");
          Path wts = model.resolve("unet/diffusion_pytorch_model.safetensors");
          if (!Files.exists(cfg) || !Files.exists(wts)) {
            throw new UserError(model + ": no unet/config.json and "
                + "unet/diffusion_pytorch_model.safetensors (give a diffusers pipeline folder)");
          }
          unet = UNet2DConditionModel.load(ConfigJson.read(cfg), SafetensorsFile.open(wts), m,
              DataType.FLOAT32);
          name = "UNet of " + model;
        }
        System.out.printf("%s, loaded in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        if (checkpoint) {
          System.out.println("forward+backward with activation checkpointing per block");
        }
        UNetBench.Result r = UNetBench.run(unet, batch, h, w, repeats, checkpoint, System.out);
        System.out.printf("params %.1fM, batch %d, latents %dx%d: forward %.1f ms, "
                + "forward+backward(context) %.1f ms (medians of %d)%n", r.params() / 1e6, batch, h,
            w, r.forwardMs(), r.forwardBackwardMs(), repeats);
        System.out.printf(java.util.Locale.ROOT, "peak RSS %.2f GB%n", MachineInfo.peakRssKb() / 1048576.0);
      }
      return 0;
    }
  }

  @Command(name = "pipeline", mixinStandardHelpOptions = true,
      description = "Seconds per denoising step of txt2img (guidance batch of 2), and VAE decode.")
  static final class Pipeline implements Callable<Integer> {
    @Option(names = "--model", description = "diffusers folder or single-file checkpoint")
    Path model;

    @Option(names = "--sd15", description = "an SD-1.5-shaped pipeline with random weights")
    boolean sd15;

    @Option(names = "--height", description = "pixels (default 512 for --sd15, else the model's)")
    Integer height;

    @Option(names = "--width")
    Integer width;

    @Option(names = "--steps", defaultValue = "3")
    int steps;

    @Override
    public Integer call() {
      if ((model == null) == !sd15) {
        throw new UserError("give exactly one of --model DIR|FILE or --sd15");
      }
      System.out.println("machine: " + MachineInfo.describe());
      try (NDManager m = NDManager.newBaseManager()) {
        long t0 = System.nanoTime();
        dev.unmasked.pipeline.LoadedModel lm = sd15
            ? dev.unmasked.bench.RandomModels.sd15Pipeline(m)
            : dev.unmasked.pipeline.LoadedModel.load(model, m, DataType.FLOAT32);
        double load = (System.nanoTime() - t0) / 1e9;
        int f = lm.vaeScaleFactor();
        int h = height != null ? height : sd15 ? 512 : lm.unet().config().sampleSize() * f;
        int w = width != null ? width : h;
        var sch = dev.unmasked.scheduler.Schedulers.fromConfig(lm.schedulerConfig(), "ddim");
        var pipe = new dev.unmasked.pipeline.StableDiffusionPipeline(lm, sch);
        long[] stamps = new long[steps + 2];
        stamps[0] = System.nanoTime();
        pipe.generate(new dev.unmasked.pipeline.GenerationRequest("a photo of a cat", "", steps,
            7.5, h, w, 1, 0, null), (d, t, lat) -> {
              stamps[d] = System.nanoTime();
              System.out.printf("  step %d/%d: %.2f s%n", d, t, (stamps[d] - stamps[d - 1]) / 1e9);
            });
        long end = System.nanoTime();
        double[] per = new double[steps - 1];
        for (int i = 2; i <= steps; i++) {
          per[i - 2] = (stamps[i] - stamps[i - 1]) / 1e9;
        }
        double first = (stamps[1] - stamps[0]) / 1e9; // includes prompt encoding
        double decode = (end - stamps[steps]) / 1e9;
        System.out.printf("%s, %dx%d, DDIM, guidance batch 2: load %.1f s, first step %.2f s "
                + "(with prompt encoding), median later step %.3f s, VAE decode %.2f s%n",
            sd15 ? "SD-1.5-shaped pipeline (random weights)" : lm.name(), w, h, load, first,
            per.length == 0 ? first : UNetBench.median(per), decode);
      }
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Pretraining throughput of the embedded model's UNet: a full training step "
          + "(all weights, MSE, AdamW), samples/s at 1 and 2 threads (the reference's pytrain.py).")
  static final class Train implements Callable<Integer> {
    @Option(names = "--batch", defaultValue = "32") int batch;
    @Option(names = "--steps", defaultValue = "6", description = "timed steps per thread count") int steps;
    @Option(names = "--threads", split = ",", defaultValue = "1,2") List<Integer> threads;
    @Option(names = "--unet-channels", description = "block_out_channels (default: the shipped model's)")
    String channels;
    @Option(names = "--unet-layers", description = "layers_per_block (default: the shipped model's)")
    Integer layers;

    @Override
    public Integer call() {
      System.out.println("machine: " + MachineInfo.describe());
      var size = dev.unmasked.basemodel.UNetSize.orShipped(channels, layers);
      System.out.println("UNet block_out_channels " + size.channelsText() + ", layers_per_block "
          + size.layers());
      var cfg = dev.unmasked.basemodel.ToyModelSpec.unetConfig(size);
      int side = cfg.sampleSize();
      for (int t : threads) {
        ai.djl.engine.Engine.getInstance();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(t);
        double[] ms = dev.unmasked.bench.TrainBench.run(cfg, batch, side, side, steps, System.out);
        double med = UNetBench.median(ms);
        System.out.printf(java.util.Locale.ROOT, "toy UNet training step, %d thread(s), batch %d, %dx%d latents: "
            + "median %.1f ms, %.1f samples/s (%d steps)%n", t, batch, side, side, med, batch / (med / 1e3), steps);
      }
      return 0;
    }
  }

  @Command(name = "learn", mixinStandardHelpOptions = true,
      description = "learn's phase-1 step and E-step time and peak RSS, on the embedded model (or "
          + "--model) or an SD-1.5-shaped model with random weights at 512x512 (--sd15).")
  static final class Learn implements Callable<Integer> {
    @Mixin ModelOptions modelOptions;
    @Option(names = "--sd15", description = "SD-1.5-shaped pipeline with random weights, 512x512") boolean sd15;
    @Option(names = "--steps", defaultValue = "5") int steps;
    @Option(names = "--esteps", defaultValue = "2") int esteps;
    @Option(names = "--estep-t", description = "T per E-step (default: the model's learn default)") Integer estepT;

    @Override
    public Integer call() throws Exception {
      System.out.println("machine: " + MachineInfo.describe());
      try (NDManager m = NDManager.newBaseManager()) {
        dev.unmasked.pipeline.LoadedModel model = sd15 ? RandomModels.sd15Pipeline(m)
            : dev.unmasked.pipeline.LoadedModel.load(modelOptions.resolve(), modelOptions.configDir, m,
                DataType.FLOAT32);
        int size = model.unet().config().sampleSize() * model.vaeScaleFactor();
        var d = size <= 128 ? dev.unmasked.concepts.LearnOptions.toyDefaults()
            : dev.unmasked.concepts.LearnOptions.sdDefaults();
        if (size <= 32) {
          d = d.withAttnResolutions(List.of(model.unet().config().sampleSize()));
        }
        if (estepT != null) {
          d = d.withEstepTimesteps(estepT);
        }
        var r = dev.unmasked.concepts.LearnBenchmark.run(model, d, steps, esteps, m, System.out);
        System.out.printf(java.util.Locale.ROOT, "learn on %s (%dx%d, batch %d): phase-1 step %.1f ms, "
                + "E-step %.1f ms (T = %d), peak RSS %.2f GB%n", sd15 ? "SD-1.5-shaped (random)" : model.name(),
            size, size, d.batch(), r.stepMs(), r.eStepMs(), r.estepT(), r.peakRssKb() / 1048576.0);
      }
      return 0;
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = {"Side by side with diffusers' UNet on Debian's PyTorch (the reference-bench "
          + "routine): bench unet in child JVMs and the reference's pybench.py alternated J, P, J, P "
          + "per row and thread count; a markdown table of medians, ratios, peak RSS and load.",
          "Rows: tiny (tiny-sd UNet, batch 2, 8x12), toy (toy-world-sized UNet from make_toy_unet.py, "
              + "batch 32, 16x16), sd15 (SD-1.5-shaped, random weights, batch 1, 64x64). "
              + "See docs/BENCHMARKS.md."})
  static final class Compare implements Callable<Integer> {
    @Option(names = "--reference", paramLabel = "DIR",
        description = "the reference-bench folder (default: ../shared/reference-bench beside the project)")
    Path reference;

    @Option(names = "--diffusers-src", paramLabel = "DIR",
        description = "the src folder of diffusers 0.25.1 (holds diffusers/__init__.py); required")
    Path diffusersSrc;

    @Option(names = "--python", paramLabel = "FILE", defaultValue = "/usr/bin/python3",
        description = "Python with Debian's torch (default: ${DEFAULT-VALUE})")
    Path python;

    @Option(names = "--rows", split = ",", defaultValue = "tiny,toy,sd15",
        description = "which networks (default: ${DEFAULT-VALUE})")
    List<String> rows;

    @Option(names = "--threads", split = ",", defaultValue = "1,2",
        description = "torch thread counts, each side alike (default: ${DEFAULT-VALUE})")
    List<Integer> threads;

    @Option(names = "--pairs", defaultValue = "2",
        description = "Java, PyTorch process pairs per row and thread count (default: ${DEFAULT-VALUE})")
    int pairs;

    @Option(names = "--repeats", description = "timed rounds per process (default: 10 tiny, 5 toy, 2 sd15)")
    Integer repeats;

    @Option(names = "--train", description = "also the full training step (bench train against pytrain.py)")
    boolean train;

    @Option(names = "--train-steps", defaultValue = "6",
        description = "timed training steps per process (default: ${DEFAULT-VALUE})")
    int trainSteps;

    @Option(names = "--out", paramLabel = "FILE", description = "also write the report (markdown) here")
    Path out;

    @Override
    public Integer call() throws Exception {
      Path home = Path.of(System.getProperty("unmasked.home", ".")).toAbsolutePath().normalize();
      Path ref = reference != null ? reference.toAbsolutePath().normalize()
          : home.resolve("../shared/reference-bench").normalize();
      var s = new dev.unmasked.bench.SideBySide.Settings(home, ref,
          diffusersSrc == null ? null : diffusersSrc.toAbsolutePath().normalize(), python, rows, threads,
          pairs, repeats, train, trainSteps, out, home.resolve("target/side-by-side"));
      var launch = new dev.unmasked.bench.SideBySide.Launch(dev.unmasked.eval.ChildProcessLauncher::jvmCommand,
          dev.unmasked.eval.ProcessMemory::peakMb);
      System.out.print(dev.unmasked.bench.SideBySide.run(s, launch, commandLine(s), System.err));
      return 0;
    }

    /** This run with every default spelled out, so that it can be repeated as printed. */
    private static String commandLine(dev.unmasked.bench.SideBySide.Settings s) {
      List<String> a = new java.util.ArrayList<>(List.of("./unmasked", "bench", "compare",
          "--reference", s.reference().toString(), "--diffusers-src",
          s.diffusersSrc() == null ? "" : s.diffusersSrc().toString(), "--python", s.python().toString(),
          "--rows", String.join(",", s.rows()), "--threads",
          String.join(",", s.threads().stream().map(String::valueOf).toList()), "--pairs",
          Integer.toString(s.pairs())));
      if (s.repeats() != null) {
        a.addAll(List.of("--repeats", s.repeats().toString()));
      }
      if (s.train()) {
        a.addAll(List.of("--train", "--train-steps", Integer.toString(s.trainSteps())));
      }
      if (s.out() != null) {
        a.addAll(List.of("--out", s.out().toString()));
      }
      return String.join(" ", a.stream().map(x -> x.matches("[A-Za-z0-9_./,=:+-]+") ? x
          : "'" + x.replace("'", "'\\''") + "'").toList());
    }
  }
}
