<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>App</name>
    <message>
        <location filename="../app.py" line="+69"/>
        <source>Something went wrong inside RNN Studio (a bug). The app keeps running; the details are in {log}.</source>
        <translation>RNN Studio 内部出错了（程序缺陷）。应用会继续运行；详细信息见 {log}。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Workspace</source>
        <translation>工作区</translation>
    </message>
</context>
<context>
    <name>AppContext</name>
    <message>
        <location filename="../context.py" line="+76"/>
        <source>Log file: {path}</source>
        <translation>日志文件：{path}</translation>
    </message>
</context>
<context>
    <name>AttentionHeatmap</name>
    <message>
        <location filename="../widgets/heatmap.py" line="+118"/>
        <source>showing the first {rows_shown} of {rows} output and {cols_shown} of {cols} source pieces</source>
        <translation>仅显示前 {rows_shown}/{rows} 个输出片段和前 {cols_shown}/{cols} 个源片段</translation>
    </message>
</context>
<context>
    <name>BeamView</name>
    <message>
        <location filename="../pages/inspect/beams.py" line="+33"/>
        <source>Sentence</source>
        <translation>句子</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Score: the length-normalised log-probability the beam ranks by; then the total log-probability; then the translation</source>
        <translation>得分：束搜索排序所依据的长度归一化对数概率；其后是总对数概率；最后是译文</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Alternatives: score, log-probability, text</source>
        <translation>候选译文：得分、对数概率、文本</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Attention (rows: translation, columns: source)</source>
        <translation>注意力（行：译文，列：原文）</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
</context>
<context>
    <name>ComparePanel</name>
    <message>
        <location filename="../pages/experiments/compare.py" line="+101"/>
        <source>Runs to compare</source>
        <translation>要比较的运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location line="+89"/>
        <source>Could not compare these runs: {error}</source>
        <translation>无法比较这些运行：{error}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Select two or more runs on the Runs page and choose Compare selected, tick runs in the list on the left, or press Compare LSTM and GRU on the Train page.</source>
        <translation>在“运行记录”页选择两个或更多运行并选择“比较所选”，或在左侧列表中勾选运行，或在“训练”页按“比较 LSTM 与 GRU”。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Waiting in the training queue: {names}. They appear here as they train.</source>
        <translation>正在训练队列中等待：{names}。它们开始训练后会显示在这里。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Tick another run to compare it with this one.</source>
        <translation>再勾选一个运行，与此运行进行比较。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The last column lists the settings in which the runs differ; the best score is highlighted.</source>
        <translation>最后一列列出各运行之间不同的设置；最佳得分已突出显示。</translation>
    </message>
</context>
<context>
    <name>CorporaPage</name>
    <message>
        <location filename="../pages/corpora.py" line="+63"/>
        <source>automatic</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The first lines of the corpus appear here.</source>
        <translation>语料库的前几行会显示在这里。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Text file…</source>
        <translation>文本文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Folder of text files…</source>
        <translation>文本文件夹…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pairs: tab-separated file…</source>
        <translation>句对：制表符分隔文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pairs: two line-aligned files…</source>
        <translation>句对：两个逐行对齐的文件…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add corpus</source>
        <translation>添加语料库</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Takes the corpus off this list; its files stay where they are.</source>
        <translation>从列表中移除该语料库；其文件保留在原处。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Or drop text files, folders or .tsv files here.</source>
        <translation>也可以把文本文件、文件夹或 .tsv 文件拖放到这里。</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Train on this corpus</source>
        <translation>用此语料库训练</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Statistics</source>
        <translation>统计信息</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The folder&apos;s files that were not read, and why.</source>
        <translation>文件夹中未读取的文件及其原因。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>First lines</source>
        <translation>前几行</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Read as</source>
        <translation>读取方式</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>pairs (TSV)</source>
        <translation>句对（TSV）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pairs (TSV): one pair per line, in two tab-separated columns.</source>
        <translation>句对（TSV）：每行一对，分为两个以制表符分隔的列。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>columns: source</source>
        <translation>列：源</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Which tab-separated columns hold the pair, counted from 0.</source>
        <translation>句对所在的制表符分隔列，从 0 开始计数。</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+335"/>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <location line="-334"/>
        <source>Pair with another file…</source>
        <translation>与另一个文件配对…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose the other language&apos;s file, line-aligned with this one.</source>
        <translation>选择另一种语言的文件，须与此文件逐行对齐。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Detected for each file: UTF-8, UTF-16, or the likeliest legacy encoding (Big5, GB18030, Shift-JIS, cp1252…)</source>
        <translation>逐个文件检测：UTF-8、UTF-16，或最可能的传统编码（Big5、GB18030、Shift-JIS、cp1252…）</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+49"/>
        <source>Replace undecodable bytes</source>
        <translation>替换无法解码的字节</translation>
    </message>
    <message>
        <location line="-48"/>
        <source>Read on past bytes the encoding cannot decode; each becomes U+FFFD and is counted.</source>
        <translation>遇到该编码无法解码的字节时继续读取；每处替换为 U+FFFD 并计数。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Lowercase</source>
        <translation>转为小写</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unicode NFC: an accent typed as two characters becomes one.</source>
        <translation>Unicode NFC 规范化：由两个字符组成的带重音字母合并为一个字符。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>only files matching, e.g. *.py, *.md</source>
        <translation>只读取匹配的文件，例如 *.py, *.md</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>leave out, e.g. tests/*, *.min.js</source>
        <translation>排除，例如 tests/*, *.min.js</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Patterns matched against a file&apos;s name or its path in the folder, separated by commas. Binary, empty and undecodable files are skipped anyway, and listed.</source>
        <translation>与文件名或其在文件夹中的路径匹配的模式，用逗号分隔。二进制文件、空文件和无法解码的文件总会被跳过，并列出。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Encoding</source>
        <translation>编码</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+113"/>
        <source>Add text files</source>
        <translation>添加文本文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text files</source>
        <translation>文本文件</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add a folder of text files</source>
        <translation>添加文本文件夹</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Add tab-separated pairs</source>
        <translation>添加制表符分隔的句对</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tab-separated files</source>
        <translation>制表符分隔文件</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Pairs: the source language&apos;s file</source>
        <translation>句对：源语言文件</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The other language&apos;s file, line-aligned with {name}</source>
        <translation>另一种语言的文件（与 {name} 逐行对齐）</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>No corpus</source>
        <translation>没有语料库</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add a text file, a folder or pairs to look at them here.</source>
        <translation>添加文本文件、文件夹或句对后，可在这里查看。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>{kind}: {files}</source>
        <translation>{kind}：{files}</translation>
    </message>
    <message>
        <location line="+62"/>
        <location line="+2"/>
        <source>reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>lines</source>
        <translation>行数</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>pairs</source>
        <translation>句对数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>source</source>
        <translation>源</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Skipped files ({count})…</source>
        <translation>跳过的文件（{count}）…</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Read as {encoding}</source>
        <translation>按 {encoding} 读取</translation>
    </message>
</context>
<context>
    <name>CorpusList</name>
    <message>
        <location filename="../corpus_list.py" line="+38"/>
        <source>English stories</source>
        <translation>英文故事</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Chinese stories</source>
        <translation>中文故事</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Numbers, English to French</source>
        <translation>数字，英译法</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>empty</source>
        <translation>空句</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too long</source>
        <translation>过长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>too many words</source>
        <translation>词数过多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ratio</source>
        <translation>长度比</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>text folder</source>
        <translation>文本文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pairs, two files</source>
        <translation>句对，两个文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pairs, TSV</source>
        <translation>句对，TSV</translation>
    </message>
    <message>
        <location line="+158"/>
        <source>Lines</source>
        <translation>行数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Characters</source>
        <translation>字符数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Words</source>
        <translation>词数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Distinct characters</source>
        <translation>不同字符数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Mean line length</source>
        <translation>平均行长</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Longest line</source>
        <translation>最长行</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>{count} undecodable byte sequence(s) were replaced with U+FFFD.</source>
        <translation>有 {count} 处无法解码的字节序列已替换为 U+FFFD。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{encoding} (detected, {confidence}% sure)</source>
        <translation>{encoding}（检测得出，把握 {confidence}%）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{count} file(s): {encoding}</source>
        <translation>{count} 个文件：{encoding}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Encoding: {encodings}</source>
        <translation>编码：{encodings}</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{files} file(s) read, {bytes} bytes</source>
        <translation>已读取 {files} 个文件，{bytes} 字节</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>; {skipped} skipped ({skipped_bytes} bytes): binary, empty or undecodable</source>
        <translation>；跳过 {skipped} 个（{skipped_bytes} 字节）：二进制、空文件或无法解码</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Most frequent characters:</source>
        <translation>最常见的字符：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{pairs} pairs</source>
        <translation>{pairs} 个句对</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;{pairs}&lt;/b&gt; (read {read}; dropped by filter: {dropped}), {encodings}</source>
        <translation>&lt;b&gt;{pairs}&lt;/b&gt;（共读取 {read}；被过滤掉：{dropped}），{encodings}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Most frequent, source:</source>
        <translation>最常见的字符（源）：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Most frequent, target:</source>
        <translation>最常见的字符（目标）：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>source</source>
        <translation>源</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>target</source>
        <translation>目标</translation>
    </message>
</context>
<context>
    <name>CurvesView</name>
    <message>
        <location filename="../widgets/curves.py" line="+22"/>
        <source>val. BLEU</source>
        <translation>验证 BLEU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>val. word perplexity</source>
        <translation>验证词级困惑度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>val. bits/char</source>
        <translation>验证比特/字符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>val. perplexity</source>
        <translation>验证困惑度</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>loss (nats)</source>
        <translation>损失（nats）</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+25"/>
        <source>score</source>
        <translation>得分</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../background.py" line="+62"/>
        <source>The back end reports (in English):</source>
        <translation>后端报告的问题（英文）：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not enough memory for this. Try a smaller model, batch or input.</source>
        <translation>内存不足。请尝试更小的模型、批大小或输入。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Something went wrong inside RNN Studio (a bug). The details are in {log}.</source>
        <translation>RNN Studio 内部出错了（程序缺陷）。详细信息见 {log}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Something went wrong inside RNN Studio (a bug).</source>
        <translation>RNN Studio 内部出错了（程序缺陷）。</translation>
    </message>
</context>
<context>
    <name>ExperimentsPage</name>
    <message>
        <location filename="../pages/experiments/compare.py" line="-162"/>
        <location filename="../pages/experiments/search.py" line="+77"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cell</source>
        <translation>单元类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Best val. loss</source>
        <translation>最佳验证损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <location filename="../pages/experiments/search.py" line="-3"/>
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tokens/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <location filename="../pages/experiments/search.py" line="+2"/>
        <source>Wall time</source>
        <translation>耗时</translation>
    </message>
    <message>
        <location line="+1"/>
        <location filename="../pages/experiments/search.py" line="-1"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Differs in</source>
        <translation>不同之处</translation>
    </message>
    <message>
        <location filename="../pages/experiments/page.py" line="+31"/>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../pages/experiments/search.py" line="-5"/>
        <source>Trial</source>
        <translation>试验</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Val. loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>complete</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pruned</source>
        <translation>已剪枝</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unfinished</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bayesian</source>
        <translation>贝叶斯</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bayesian (Optuna TPE)</source>
        <translation>贝叶斯（Optuna TPE）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>grid (listed values only)</source>
        <translation>网格（仅限列出的值）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>subwords</source>
        <translation>子词</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{name}: best of search {search}, {minutes} minutes</source>
        <translation>{name}：搜索 {search} 的最佳配置，{minutes} 分钟</translation>
    </message>
    <message>
        <location line="+414"/>
        <source>{method} search over {space} on {corpus}.</source>
        <translation>在 {corpus} 上对 {space} 进行{method}搜索。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No trial beat the baseline (val. loss {loss}).</source>
        <translation>没有试验优于基线（验证损失 {loss}）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Best: trial {number}, val. loss {loss} (baseline {baseline}).</source>
        <translation>最佳：试验 {number}，验证损失 {loss}（基线 {baseline}）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Best: trial {number}, val. loss {loss}.</source>
        <translation>最佳：试验 {number}，验证损失 {loss}。</translation>
    </message>
</context>
<context>
    <name>ForecastView</name>
    <message>
        <location filename="../widgets/forecast.py" line="+27"/>
        <source>model forecast</source>
        <translation>模型预测</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>model, one step ahead</source>
        <translation>模型（单步预测）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>naive (last value)</source>
        <translation>朴素预测（最后一个值）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>seasonal naive</source>
        <translation>季节性朴素预测</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The {model} beats both baselines on the last {h} values: MSE {ours} vs {naive} naive, {seasonal} seasonal-naive.</source>
        <translation>{model} 模型在最后 {h} 个值上优于两个基线：MSE {ours}，朴素预测为 {naive}，季节性朴素预测为 {seasonal}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The {model} beats the naive forecast but not the seasonal-naive one on the last {h} values: MSE {ours} vs {naive} naive, {seasonal} seasonal-naive.</source>
        <translation>{model} 模型在最后 {h} 个值上优于朴素预测，但不及季节性朴素预测：MSE {ours}，朴素预测为 {naive}，季节性朴素预测为 {seasonal}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The {model} beats the seasonal-naive forecast but not the naive one on the last {h} values: MSE {ours} vs {naive} naive, {seasonal} seasonal-naive.</source>
        <translation>{model} 模型在最后 {h} 个值上优于季节性朴素预测，但不及朴素预测：MSE {ours}，朴素预测为 {naive}，季节性朴素预测为 {seasonal}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The {model} does not beat the baselines on the last {h} values: MSE {ours} vs {naive} naive, {seasonal} seasonal-naive.</source>
        <translation>{model} 模型在最后 {h} 个值上未能优于基线：MSE {ours}，朴素预测为 {naive}，季节性朴素预测为 {seasonal}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The {model} beats the naive forecast on the last {h} values (no season was found for a seasonal-naive one): MSE {ours} vs {naive}.</source>
        <translation>{model} 模型在最后 {h} 个值上优于朴素预测（未找到季节周期，无法做季节性朴素预测）：MSE {ours}，朴素预测为 {naive}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The {model} does not beat the naive forecast on the last {h} values (no season was found for a seasonal-naive one): MSE {ours} vs {naive}.</source>
        <translation>{model} 模型在最后 {h} 个值上未能优于朴素预测（未找到季节周期，无法做季节性朴素预测）：MSE {ours}，朴素预测为 {naive}。</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>time step</source>
        <translation>时间步</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>The held-out forecast appears here when training ends.</source>
        <translation>训练结束后，留出部分的预测会显示在这里。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>history</source>
        <translation>历史</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>held-out truth</source>
        <translation>留出部分的真实值</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>test</source>
        <translation>测试集</translation>
    </message>
</context>
<context>
    <name>GateView</name>
    <message>
        <location filename="../pages/inspect/gates.py" line="+78"/>
        <source>Which unit of the layer to colour the text by</source>
        <translation>按该层的哪个单元为文本着色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Colour by surprisal</source>
        <translation>按意外度着色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How unexpected each token was to the model, in bits, instead of a unit&apos;s value</source>
        <translation>改为显示每个词元对模型而言的意外程度（以比特计），而不是单元的值</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Gate</source>
        <translation>门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Feature / unit</source>
        <translation>特征 / 单元</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Units whose value follows each feature of the text most closely (Pearson r); click one to show it</source>
        <translation>数值与文本各特征最吻合的单元（皮尔逊 r）；单击可显示</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The colours of the values</source>
        <translation>数值对应的颜色</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>The strongest units, one row each (click one to show it)</source>
        <translation>最强的单元，每个一行（单击可显示）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Units that follow the text</source>
        <translation>跟随文本特征的单元</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>{n} of {total} ({size} units)</source>
        <translation>第 {n}/{total} 层（{size} 个单元）</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>{feature} (not in this text)</source>
        <translation>{feature}（此文本中没有）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>unit {unit}</source>
        <translation>单元 {unit}</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Surprisal: how unexpected each token was to the model, in bits (grey: the first token, which has nothing before it).</source>
        <translation>意外度：每个词元对模型而言的意外程度，以比特计（灰色：第一个词元，它前面没有内容）。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Layer {layer} · {gate} · unit {unit}</source>
        <translation>第 {layer} 层 · {gate} · 单元 {unit}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{where}: follows “{feature}” (r = {r})</source>
        <translation>{where}：跟随“{feature}”（r = {r}）</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>surprisal {bits} bits</source>
        <translation>意外度 {bits} 比特</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>expected next: {piece} ({percent}%)</source>
        <translation>预期下一个：{piece}（{percent}%）</translation>
    </message>
</context>
<context>
    <name>GeneratePage</name>
    <message>
        <location filename="../pages/generate.py" line="+82"/>
        <source>Language model:</source>
        <translation>语言模型：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A prompt to continue (empty: start from a new line)</source>
        <translation>要续写的提示文本（留空：从新的一行开始）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Generated text appears here as it is made.</source>
        <translation>生成的文本会在这里实时显示。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt</source>
        <translation>提示文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>0 always picks the most likely token; higher is wilder</source>
        <translation>0 表示总是选择最可能的词元；越高越随机</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sample among the k most likely tokens (off: all)</source>
        <translation>只在最可能的 k 个词元中采样（关闭：全部词元）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sample among the likeliest tokens holding this much probability (1: all)</source>
        <translation>只在累计概率达到该值的最可能词元中采样（1：全部词元）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> tokens</source>
        <translation> 个词元</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How many tokens to make (characters for a character model)</source>
        <translation>要生成的词元数（字符级模型为字符数）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Makes recently used tokens less likely (1: off; 1.1-1.3 is typical)</source>
        <translation>降低最近出现过的词元的概率（1：关闭；常用 1.1–1.3）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The same seed, prompt and settings give the same text</source>
        <translation>相同的种子、提示文本和设置会生成相同的文本</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>End the text where this appears (it is left out). \n is a line break, \t a tab, \\ a backslash: \n\n stops at the first blank line</source>
        <translation>文本在出现这些字符处结束（这些字符本身不输出）。\n 表示换行，\t 表示制表符，\\ 表示反斜杠：\n\n 在第一个空行处停止</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Length</source>
        <translation>长度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop at</source>
        <translation>停止于</translation>
    </message>
    <message>
        <location line="-40"/>
        <location line="+42"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>&apos;{name}&apos; is not a language-model run in this workspace.</source>
        <translation>“{name}”不是此工作区中的语言模型运行。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>No language model yet: train one on the Train page.</source>
        <translation>还没有语言模型：请在“训练”页训练一个。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>The seed must be a whole number from 0 to {max}, or empty for random.</source>
        <translation>随机种子必须是 0 到 {max} 之间的整数，留空则随机选取。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Choose a language-model run first.</source>
        <translation>请先选择一个语言模型运行。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source> (random seed {seed})</source>
        <translation>（随机种子 {seed}）</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Generating… {chars} characters in {seconds} s</source>
        <translation>正在生成… {seconds} 秒内生成 {chars} 个字符</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Stopped: {chars} characters in {seconds} s ({rate} characters/s){seed}.</source>
        <translation>已停止：{seconds} 秒内生成 {chars} 个字符（{rate} 字符/秒）{seed}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Done: {chars} characters in {seconds} s ({rate} characters/s){seed}.</source>
        <translation>完成：{seconds} 秒内生成 {chars} 个字符（{rate} 字符/秒）{seed}。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Loading the model took {seconds} s more.</source>
        <translation>加载模型另外用了 {seconds} 秒。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Characters of the prompt the model does not know: {count} ({chars}).</source>
        <translation>提示中有模型不认识的字符：{count} 个（{chars}）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Each became the unknown token, which the model reads as a blank.</source>
        <translation>它们都变成了未知词元，模型把它当作空白来读。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Each was spelled as its UTF-8 bytes, which the model has likely never seen in training.</source>
        <translation>它们都被拆成 UTF-8 字节，模型在训练中很可能从未见过这些字节。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>It ended at a stop text after {tokens} tokens (the stop text is left out).</source>
        <translation>在 {tokens} 个词元后遇到停止文本而结束（停止文本不含在内）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The model ended the text after {tokens} tokens.</source>
        <translation>模型在 {tokens} 个词元后结束了文本。</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Copied the text to the clipboard.</source>
        <translation>已将文本复制到剪贴板。</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+10"/>
        <source>Save the text</source>
        <translation>保存文本</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>Text files</source>
        <translation>文本文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Saved to {path}.</source>
        <translation>已保存到 {path}。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>best checkpoint at step {step}</source>
        <translation>最佳检查点位于第 {step} 步</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>validation bits/char</source>
        <translation>验证每字符比特数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>word perplexity</source>
        <translation>词级困惑度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>generating with {mode}</source>
        <translation>生成方式：{mode}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ready: {details}</source>
        <translation>就绪：{details}</translation>
    </message>
</context>
<context>
    <name>InspectPage</name>
    <message>
        <location filename="../pages/inspect/gates.py" line="-206"/>
        <source>inside quotes</source>
        <translation>在引号内</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>inside brackets</source>
        <translation>在括号内</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>position in the line</source>
        <translation>在行中的位置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>just after punctuation</source>
        <translation>紧跟在标点之后</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>start of a word</source>
        <translation>词首</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>upper case</source>
        <translation>大写</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>whitespace</source>
        <translation>空白</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>digit</source>
        <translation>数字</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>hidden state</source>
        <translation>隐藏状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cell (memory)</source>
        <translation>细胞状态（记忆）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>input gate</source>
        <translation>输入门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>forget gate</source>
        <translation>遗忘门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>output gate</source>
        <translation>输出门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>candidate</source>
        <translation>候选值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reset gate</source>
        <translation>重置门</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>update gate</source>
        <translation>更新门</translation>
    </message>
    <message>
        <location filename="../pages/inspect/page.py" line="+77"/>
        <source>A text for the model to read</source>
        <translation>供模型读取的文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+30"/>
        <source>Inspect</source>
        <translation>探查</translation>
    </message>
    <message>
        <location line="-18"/>
        <source>Choose a run, then press Inspect to see inside it while it reads the text.</source>
        <translation>选择一个运行，然后按“探查”，查看模型读取文本时的内部状态。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Beam size of the translator&apos;s search</source>
        <translation>翻译模型搜索的束宽</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>How many of the beam&apos;s alternatives to keep</source>
        <translation>保留多少个束搜索候选译文</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Beam</source>
        <translation>束宽</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Alternatives</source>
        <translation>候选数</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>language model</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+124"/>
        <source>translator</source>
        <translation>翻译模型</translation>
    </message>
    <message>
        <location line="-120"/>
        <source>&apos;{name}&apos; is not a language model or translator run in this workspace.</source>
        <translation>“{name}”不是此工作区中的语言模型或翻译模型运行。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>No model yet: train a language model or a translator on the Train page.</source>
        <translation>还没有模型：请在“训练”页训练一个语言模型或翻译模型。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Choose a language model or a translator run first.</source>
        <translation>请先选择一个语言模型或翻译模型运行。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Reading the text…</source>
        <translation>正在读取文本…</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>characters</source>
        <translation>个字符</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>tokens</source>
        <translation>个词元</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read {count} {unit} in {seconds} s.</source>
        <translation>用 {seconds} 秒读取了 {count} {unit}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{count} of them are not in the model&apos;s vocabulary.</source>
        <translation>其中 {count} 个不在模型的词表中。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Searched {count} sentences in {seconds} s.</source>
        <translation>用 {seconds} 秒搜索了 {count} 个句子。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>character</source>
        <translation>字符级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>subword</source>
        <translation>子词级</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{level} {cell}, {layers} layers of {size} units</source>
        <translation>{level} {cell}，{layers} 层，每层 {size} 个单元</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>best checkpoint at step {step}</source>
        <translation>最佳检查点位于第 {step} 步</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ready: {details}</source>
        <translation>就绪：{details}</translation>
    </message>
</context>
<context>
    <name>LengthChart</name>
    <message>
        <location filename="../widgets/length_chart.py" line="+23"/>
        <source>line length (characters)</source>
        <translation>行长（字符）</translation>
    </message>
</context>
<context>
    <name>LossView</name>
    <message>
        <location filename="../widgets/forecast.py" line="+22"/>
        <source>loss (scaled MSE)</source>
        <translation>损失（缩放后的 MSE）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="+119"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose &amp;workspace folder…</source>
        <translation>选择工作区文件夹(&amp;W)…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Guide</source>
        <translation>指南(&amp;G)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open the &amp;log folder</source>
        <translation>打开日志文件夹(&amp;L)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;About RNN Studio</source>
        <translation>关于 RNN Studio(&amp;A)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>&amp;Appearance</source>
        <translation>外观(&amp;A)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>System colours</source>
        <translation>跟随系统颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>System default ({language})</source>
        <translation>跟随系统（{language}）</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>RNN Studio will use the new language ({language}) when you start it again.</source>
        <translation>RNN Studio 将在下次启动时使用新的语言（{language}）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+17"/>
        <location line="+42"/>
        <source>Log: {path}</source>
        <translation>日志：{path}</translation>
    </message>
    <message>
        <location line="-35"/>
        <location line="+34"/>
        <source>Workspace: {path}</source>
        <translation>工作区：{path}</translation>
    </message>
    <message>
        <location line="-29"/>
        <location line="+13"/>
        <source>Workspace</source>
        <translation>工作区</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Not now: {reason}.</source>
        <translation>现在不行：{reason}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Workspace folder</source>
        <translation>工作区文件夹</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Train LSTM and GRU language models and translators on your own text, offline.</source>
        <translation>在你自己的文本上离线训练 LSTM 和 GRU 语言模型与翻译模型。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>About RNN Studio</source>
        <translation>关于 RNN Studio</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>The guide cannot be read: {error}</source>
        <translation>无法读取指南：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>RNN Studio guide</source>
        <translation>RNN Studio 指南</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>the page&apos;s main action</source>
        <translation>本页的主要操作</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Quit RNN Studio?</source>
        <translation>退出 RNN Studio？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{reason}. Quit anyway? Training stops and saves a checkpoint first; you can continue it later from Runs.</source>
        <translation>{reason}。仍要退出吗？训练会先停止并保存检查点；之后可以在“运行记录”中继续训练。</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <location filename="../pages/corpora.py" line="-500"/>
        <source>Corpora</source>
        <translation>语料库</translation>
    </message>
    <message>
        <location filename="../pages/generate.py" line="-375"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../pages/runs.py" line="+67"/>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <location filename="../pages/train/page.py" line="+72"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../pages/translate.py" line="+53"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../pages/experiments/page.py" line="-10"/>
        <source>Experiments</source>
        <translation>实验</translation>
    </message>
    <message>
        <location filename="../pages/inspect/page.py" line="-209"/>
        <source>Inspect</source>
        <translation>探查</translation>
    </message>
    <message>
        <location filename="../pages/series.py" line="+103"/>
        <source>Series</source>
        <translation>时间序列</translation>
    </message>
</context>
<context>
    <name>RunChooser</name>
    <message>
        <location filename="../run_chooser.py" line="+31"/>
        <source>  (step {step})</source>
        <translation>  （第 {step} 步）</translation>
    </message>
</context>
<context>
    <name>RunDetails</name>
    <message>
        <location filename="../run_details.py" line="+29"/>
        <source>No runs yet. Train one on the Train page, or import a .rnnrun file (Import…).</source>
        <translation>还没有运行。请在“训练”页训练一个，或导入 .rnnrun 文件（导入…）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Select a run to see its settings, curves and samples; select several to compare.</source>
        <translation>选择一个运行以查看其设置、曲线和样例；选择多个运行可进行比较。</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>against minutes of training</source>
        <translation>横轴：训练分钟数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>against steps</source>
        <translation>横轴：步数</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Comparing {names}</source>
        <translation>正在比较：{names}</translation>
    </message>
    <message>
        <location line="+68"/>
        <source>folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Damaged:</source>
        <translation>已损坏：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>It cannot be opened, continued or exported; delete it, or repair the file named above.</source>
        <translation>无法打开、继续训练或导出此运行；请删除它，或修复上面提到的文件。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>how it ended</source>
        <translation>结束方式</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Recipe</source>
        <translation>配方</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>why these settings</source>
        <translation>为何这样设置</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>validation chrF</source>
        <translation>验证 chrF</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>validation BLEU</source>
        <translation>验证 BLEU</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>chosen by</source>
        <translation>选择依据</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>not shown: this text is not written as space-separated words (Chinese, code); val_bpc (bits per character) compares instead</source>
        <translation>不显示：这段文本不是用空格分隔的词写成的（中文、代码）；请改用 val_bpc（每字符比特数）比较</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+3"/>
        <source>Best checkpoint</source>
        <translation>最佳检查点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Samples at step {step}</source>
        <translation>第 {step} 步的样例</translation>
    </message>
</context>
<context>
    <name>RunTable</name>
    <message>
        <location filename="../run_table.py" line="+41"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Val loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Best score</source>
        <translation>最佳得分</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Language model</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Translator</source>
        <translation>翻译模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Series forecaster</source>
        <translation>时间序列预测模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>BLEU {:.1f}</source>
        <translation>BLEU {:.1f}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>chrF {:.1f}</source>
        <translation>chrF {:.1f}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{:.3f} bits/char</source>
        <translation>{:.3f} 比特/字符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>word ppl {:.1f}</source>
        <translation>词级困惑度 {:.1f}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ppl {:.2f}</source>
        <translation>困惑度 {:.2f}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MSE {:.4g}</source>
        <translation>MSE {:.4g}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>stopped before its first evaluation</source>
        <translation>在第一次评估之前停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>failed before its first evaluation</source>
        <translation>在第一次评估之前失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not evaluated yet</source>
        <translation>尚未评估</translation>
    </message>
    <message>
        <location line="+91"/>
        <source>damaged: {error}</source>
        <translation>已损坏：{error}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no checkpoint yet</source>
        <translation>尚无检查点</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>This run is damaged: {error}</source>
        <translation>此运行已损坏：{error}</translation>
    </message>
</context>
<context>
    <name>RunsPage</name>
    <message>
        <location filename="../pages/runs.py" line="-19"/>
        <location line="+61"/>
        <source>Open in Generate</source>
        <translation>在“生成”中打开</translation>
    </message>
    <message>
        <location line="-60"/>
        <source>Open in Translate</source>
        <translation>在“翻译”中打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open in Series</source>
        <translation>在“时间序列”中打开</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Open the run in Generate or Translate (Enter)</source>
        <translation>在“生成”或“翻译”页打开此运行（Enter）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Continue training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Train this run further from its last checkpoint</source>
        <translation>从最近的检查点继续训练此运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Inspect</source>
        <translation>探查</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Look inside the run on the Inspect page: gates and hidden units over a text, or a translator&apos;s attention</source>
        <translation>在“探查”页查看此运行的内部：门和隐藏单元在文本上的取值，或翻译模型的注意力</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename the run (F2)</source>
        <translation>重命名此运行（F2）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete the selected runs and their checkpoints (Del)</source>
        <translation>删除所选运行及其检查点（Del）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the run as one .rnnrun file (Ctrl+E)</source>
        <translation>将此运行保存为一个 .rnnrun 文件（Ctrl+E）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add a run from a .rnnrun file (Ctrl+I)</source>
        <translation>从 .rnnrun 文件添加运行（Ctrl+I）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compare selected</source>
        <translation>比较所选</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compare the selected runs on the Experiments page: their results side by side and their curves overlaid (Ctrl+click to select several)</source>
        <translation>在“实验”页比较所选运行：结果并排显示，曲线叠加显示（按住 Ctrl 单击可多选）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Filter runs: name, task, model, data… (Ctrl+F)</source>
        <translation>筛选运行：名称、任务、模型、数据…（Ctrl+F）</translation>
    </message>
    <message>
        <location line="+97"/>
        <source>Could not list the runs: {error}</source>
        <translation>无法列出运行：{error}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>{total} runs</source>
        <translation>共 {total} 个运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{shown} of {total} runs</source>
        <translation>{shown}/{total} 个运行</translation>
    </message>
    <message>
        <location line="+111"/>
        <location line="+12"/>
        <source>Rename run</source>
        <translation>重命名运行</translation>
    </message>
    <message>
        <location line="-11"/>
        <source>New name for “{name}”:</source>
        <translation>“{name}”的新名称：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>renaming {name}</source>
        <translation>正在重命名 {name}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Renamed {old} to {new}.</source>
        <translation>已将 {old} 重命名为 {new}。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Delete run “{name}” with all checkpoints ({size})? This cannot be undone.</source>
        <translation>删除运行“{name}”及其所有检查点（{size}）吗？此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Delete {count} runs ({names}) with all checkpoints ({size})? This cannot be undone.</source>
        <translation>删除这 {count} 个运行（{names}）及其所有检查点（{size}）吗？此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Delete runs?</source>
        <translation>删除运行？</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete run?</source>
        <translation>删除运行？</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>deleting {names}</source>
        <translation>正在删除 {names}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Deleted {names}.</source>
        <translation>已删除 {names}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete run</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+11"/>
        <source>Export run</source>
        <translation>导出运行</translation>
    </message>
    <message>
        <location line="-9"/>
        <location line="+19"/>
        <source>RNN Studio runs</source>
        <translation>RNN Studio 运行</translation>
    </message>
    <message>
        <location line="-14"/>
        <source>exporting {name}</source>
        <translation>正在导出 {name}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exported {name} to {path}.</source>
        <translation>已将 {name} 导出到 {path}。</translation>
    </message>
    <message>
        <location line="+11"/>
        <location line="+11"/>
        <source>Import run</source>
        <translation>导入运行</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>importing {name}</source>
        <translation>正在导入 {name}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Imported {file} as {name}.</source>
        <translation>已将 {file} 导入为 {name}。</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>the Runs page is {doing}</source>
        <translation>“运行记录”页{doing}</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <location filename="../pages/experiments/search.py" line="-392"/>
        <source>Saved searches</source>
        <translation>已保存的搜索</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Train best…</source>
        <translation>训练最佳配置…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The same full training from a terminal</source>
        <translation>在终端中进行同样完整训练的命令</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>New search</source>
        <translation>新建搜索</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a .txt file or a folder</source>
        <translation>.txt 文件或文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+59"/>
        <source>Corpus</source>
        <translation>语料库</translation>
    </message>
    <message>
        <location line="-55"/>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>name=values separated by spaces: a list (128,256), a range (0..0.3) or a range on a log scale (1e-3..1e-2:log). Example:
{example}</source>
        <translation>名称=取值，以空格分隔：列表（128,256）、范围（0..0.3）或对数刻度上的范围（1e-3..1e-2:log）。示例：
{example}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Space</source>
        <translation>搜索空间</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> minutes in all</source>
        <translation> 分钟（总计）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Trial 0 is the baseline: the sizes the Train page suggests for this corpus. Each trial gets the budget divided by the number of trials.</source>
        <translation>试验 0 为基线：即“训练”页为此语料库推荐的规模。每个试验分得的预算为总预算除以试验次数。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Trials</source>
        <translation>试验次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start search</source>
        <translation>开始搜索</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>{name}   {method}, {count} trials</source>
        <translation>{name}   {method}，{count} 次试验</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{name}   running</source>
        <translation>{name}   进行中</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Could not list the searches: {error}</source>
        <translation>无法列出搜索：{error}</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>No searches yet. Fill in New search and press Start search, or run python main.py search … in a terminal.</source>
        <translation>还没有搜索。请填写“新建搜索”并按“开始搜索”，或在终端中运行 python main.py search …。</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>{number} (baseline)</source>
        <translation>{number}（基线）</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Search {name} is running; finished trials: {count}.</source>
        <translation>搜索 {name} 正在进行；已完成的试验：{count}。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Train the best config</source>
        <translation>训练最佳配置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train {settings} for how many minutes?</source>
        <translation>使用 {settings} 训练多少分钟？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the baseline</source>
        <translation>基线配置</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Choose a corpus to search on.</source>
        <translation>请选择用于搜索的语料库。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Say what to search, for example: {example}</source>
        <translation>请指定要搜索的内容，例如：{example}</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Stopping: the trial training now saves a checkpoint, then the search saves what it found.</source>
        <translation>正在停止：正在训练的试验会先保存检查点，然后搜索会保存已找到的结果。</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Searching for {elapsed} (budget: {budget} of training); finished trials: {done}.</source>
        <translation>已搜索 {elapsed}（预算：训练 {budget}）；已完成的试验：{done}。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>A run is training on the Train page: a search started now would share the CPU with it and its trials would not compare. Start the search when the queue is empty.</source>
        <translation>“训练”页有一个运行正在训练：现在开始的搜索会与它共用 CPU，其试验结果将无法相互比较。请在队列为空时再开始搜索。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>a hyperparameter search is running</source>
        <translation>有一个超参数搜索正在进行</translation>
    </message>
</context>
<context>
    <name>SeriesPage</name>
    <message>
        <location filename="../pages/series.py" line="-49"/>
        <source>stop with a message</source>
        <translation>停止并提示</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>leave the row out</source>
        <translation>跳过该行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>fill in from neighbours</source>
        <translation>用相邻值插补</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>epochs</source>
        <translation>轮（epoch）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>layer sizes must be whole numbers of 1 or more, one per layer, such as 50 50 (not &apos;{text}&apos;)</source>
        <translation>各层大小必须是不小于 1 的整数，每层一个，例如 50 50（而不是“{text}”）</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>{name}: series, {cell}</source>
        <translation>{name}：时间序列，{cell}</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Train and forecast</source>
        <translation>训练并预测</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+142"/>
        <source>Series</source>
        <translation>时间序列</translation>
    </message>
    <message>
        <location line="-139"/>
        <source>a CSV file with a header line</source>
        <translation>带标题行的 CSV 文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sample</source>
        <translation>示例</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The generated sample series that ships with RNN Studio</source>
        <translation>RNN Studio 自带的生成示例序列</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CSV file</source>
        <translation>CSV 文件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>What to do with empty or non-numeric cells</source>
        <translation>如何处理空的或非数值的单元格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Missing values</source>
        <translation>缺失值</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cell</source>
        <translation>单元类型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>One size per layer, bottom first: 50 50 is two layers of 50, then a linear output</source>
        <translation>每层一个大小，从最底层开始：50 50 表示两层各 50 个单元，之后接一个线性输出层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Layer sizes</source>
        <translation>各层大小</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Forecast</source>
        <translation>预测</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Values the model sees for each prediction</source>
        <translation>每次预测时模型看到的值的个数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Values held out at the end and forecast</source>
        <translation>在末尾留出并进行预测的值的个数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Season length for the seasonal-naive forecast</source>
        <translation>季节性朴素预测使用的季节周期长度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>detect</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Window</source>
        <translation>窗口</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Horizon</source>
        <translation>预测步长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Season</source>
        <translation>季节周期</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run name</source>
        <translation>运行名称</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Choose a series and press Train and forecast.</source>
        <translation>请选择一个序列，然后按“训练并预测”。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>forecast MSE</source>
        <translation>预测 MSE</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>forecast MAE</source>
        <translation>预测 MAE</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>one step MSE</source>
        <translation>单步 MSE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>one step MAE</source>
        <translation>单步 MAE</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>CSV files</source>
        <translation>CSV 文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Choose a CSV file first (or press Sample).</source>
        <translation>请先选择 CSV 文件（或按“示例”）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A series run is training; wait for it or stop it.</source>
        <translation>有一个时间序列运行正在训练；请等待它结束或将其停止。</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>a series model is training</source>
        <translation>有一个时间序列模型正在训练</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>{name}: reading the series…</source>
        <translation>{name}：正在读取序列…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{name}: training.</source>
        <translation>{name}：正在训练。</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+12"/>
        <source>{name}: forecasting the held-out values…</source>
        <translation>{name}：正在预测留出的值…</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>Stopped before training began; nothing was saved.</source>
        <translation>在训练开始前已停止；未保存任何内容。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>{name}: {n} values ({train} to train, {val} to validate, {test} held out); season {season}.</source>
        <translation>{name}：共 {n} 个值（{train} 个用于训练，{val} 个用于验证，{test} 个留出）；季节周期 {season}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>none found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Nothing to show.</source>
        <translation>没有可显示的内容。</translation>
    </message>
</context>
<context>
    <name>SetupForm</name>
    <message>
        <location filename="../pages/train/form.py" line="+41"/>
        <source>Character language model</source>
        <translation>字符级语言模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subword language model</source>
        <translation>子词语言模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Translator</source>
        <translation>翻译模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>epochs</source>
        <translation>轮（epoch）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compare LSTM and GRU</source>
        <translation>比较 LSTM 与 GRU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queue this run twice, once with each cell, with the same data, seed and budget, and compare them on the Experiments page</source>
        <translation>将此运行加入队列两次，分别使用两种单元类型，数据、随机种子和预算均相同，并在“实验”页比较它们</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>What to train</source>
        <translation>训练内容</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+126"/>
        <source>a .txt file or a folder of them</source>
        <translation>.txt 文件或包含它们的文件夹</translation>
    </message>
    <message>
        <location line="-125"/>
        <location line="+8"/>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+266"/>
        <source>Corpus</source>
        <translation>语料库</translation>
    </message>
    <message>
        <location line="-263"/>
        <source>only for two aligned files</source>
        <translation>仅用于两个对齐的文件</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Target file</source>
        <translation>目标文件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>source</source>
        <translation>源</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>TSV columns</source>
        <translation>TSV 列</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cell</source>
        <translation>单元类型</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hidden size</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Embedding size</source>
        <translation>嵌入维度</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Vocabulary</source>
        <translation>词表大小</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Dropout</source>
        <translation>Dropout</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>share input and output embeddings</source>
        <translation>输入与输出共享嵌入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tied</source>
        <translation>权重绑定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Use the recipe&apos;s settings</source>
        <translation>使用配方的设置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill the model and training fields with the settings chosen for this corpus, budget and machine (fields you changed are replaced)</source>
        <translation>用为此语料、预算和本机选定的设置填写模型与训练各项（你改过的项会被替换）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sequence length</source>
        <translation>序列长度</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run name</source>
        <translation>运行名称</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>a TSV file of pairs, or the source file</source>
        <translation>句对 TSV 文件，或源语言文件</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Choose a corpus to train on.</source>
        <translation>请选择用于训练的语料库。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Measuring the corpus…</source>
        <translation>正在估算语料库大小…</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Working out the settings for this corpus, budget and machine…</source>
        <translation>正在为此语料、预算和本机计算设置…</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Recipe: {why}.</source>
        <translation>配方：{why}。</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Sentence pairs</source>
        <translation>句对</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Corpus folder</source>
        <translation>语料库文件夹</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Target sentences</source>
        <translation>目标语句</translation>
    </message>
</context>
<context>
    <name>TextHeatmap</name>
    <message>
        <location filename="../widgets/text_heatmap.py" line="+268"/>
        <source>{piece} (token {index}): {value}</source>
        <translation>{piece}（词元 {index}）：{value}</translation>
    </message>
</context>
<context>
    <name>TrainPage</name>
    <message>
        <location filename="../pages/train/page.py" line="-13"/>
        <source>finished: the budget is used up</source>
        <translation>已完成：预算已用完</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>finished: all epochs done</source>
        <translation>已完成：所有轮次均已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>finished early: validation stopped improving</source>
        <translation>提前结束：验证指标不再提升</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>finished before the time budget: the recipe&apos;s passes over this small corpus are done</source>
        <translation>在时间预算用完前完成：配方对这个小语料的遍数已训练完</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>stopped; a checkpoint was saved</source>
        <translation>已停止；检查点已保存</translation>
    </message>
    <message>
        <location filename="../pages/train/jobs.py" line="+69"/>
        <source>{name}: char LM, {cell}</source>
        <translation>{name}：字符级语言模型，{cell}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name}: subword LM, {cell}</source>
        <translation>{name}：子词语言模型，{cell}</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>{name}: translator, {cell}</source>
        <translation>{name}：翻译模型，{cell}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{name}: {minutes} more minutes</source>
        <translation>{name}：再训练 {minutes} 分钟</translation>
    </message>
    <message>
        <location filename="../pages/train/run_view.py" line="+17"/>
        <source>run &apos;{name}&apos; cannot be read: {error}</source>
        <translation>无法读取运行“{name}”：{error}</translation>
    </message>
    <message>
        <location filename="../pages/train/live.py" line="+70"/>
        <source>step {step}   epoch {epoch}   {speed} tokens/s   trained {trained}   ETA {eta}</source>
        <translation>第 {step} 步   第 {epoch} 轮   {speed} 词元/秒   已训练 {trained}   预计剩余 {eta}</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+16"/>
        <location filename="../pages/train/page.py" line="+413"/>
        <source>best validation: {metrics}</source>
        <translation>最佳验证结果：{metrics}</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>ended at step {step}   epoch {epoch}   trained {trained}</source>
        <translation>结束于第 {step} 步   第 {epoch} 轮   已训练 {trained}</translation>
    </message>
    <message>
        <location filename="../pages/train/page.py" line="-361"/>
        <source>Samples at the last evaluation</source>
        <translation>最近一次评估的样例</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Sample texts (or translations) appear here at each evaluation.</source>
        <translation>每次评估时，样例文本（或译文）会显示在这里。</translation>
    </message>
    <message>
        <location line="+12"/>
        <location line="+171"/>
        <location line="+140"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="-310"/>
        <source>Stop and save</source>
        <translation>停止并保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue for</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> more minutes</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs waiting to train; each starts when the one before it ends.</source>
        <translation>等待训练的运行；每个运行在前一个结束后开始。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>a run is training</source>
        <translation>有一个运行正在训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>a run is training and 1 more is queued</source>
        <translation>有一个运行正在训练，另有 1 个在排队</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a run is training and {count} more are queued</source>
        <translation>有一个运行正在训练，另有 {count} 个在排队</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+121"/>
        <source>Stopping: saving a checkpoint…</source>
        <translation>正在停止：保存检查点…</translation>
    </message>
    <message>
        <location line="-96"/>
        <source>Choose a corpus first (a text file, a folder of them, or a TSV file of sentence pairs for a translator).</source>
        <translation>请先选择语料库（文本文件、文本文件夹，或用于翻译模型的句对 TSV 文件）。</translation>
    </message>
    <message>
        <location filename="../pages/series.py" line="-145"/>
        <location filename="../pages/train/page.py" line="+20"/>
        <location line="+28"/>
        <source>Queued &apos;{name}&apos;: it starts when the runs before it end.</source>
        <translation>已将“{name}”加入队列：前面的运行结束后开始。</translation>
    </message>
    <message>
        <location filename="../pages/train/page.py" line="+10"/>
        <source>A search is running on the Experiments page: training can start when it ends or is stopped there.</source>
        <translation>“实验”页有一个搜索正在进行：待搜索结束或在那里将其停止后才能开始训练。</translation>
    </message>
    <message>
        <location filename="../training_queue.py" line="+185"/>
        <source>a run named &apos;{name}&apos; already exists or is queued; choose another name</source>
        <translation>名为“{name}”的运行已存在或已在队列中；请换一个名称</translation>
    </message>
    <message>
        <location filename="../pages/train/page.py" line="-14"/>
        <location line="+26"/>
        <source>&apos;{name}&apos; is already training or queued.</source>
        <translation>“{name}”已在训练或已在队列中。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Queued: &apos;{name}&apos; continues when the runs before it end.</source>
        <translation>已加入队列：“{name}”将在前面的运行结束后继续训练。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paused (press Resume to go on).</source>
        <translation>已暂停（按“恢复”继续）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+37"/>
        <source>Training.</source>
        <translation>正在训练。</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Preparing data… (reading the corpus and building the tokenizer)</source>
        <translation>正在准备数据…（读取语料库并构建分词器）</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Paused.</source>
        <translation>已暂停。</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>step {step}:</source>
        <translation>第 {step} 步：</translation>
    </message>
    <message>
        <location line="+19"/>
        <location line="+3"/>
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Stopped before training began; nothing changed.</source>
        <translation>在训练开始前已停止；没有任何更改。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{outcome} at step {step}.</source>
        <translation>{outcome}（第 {step} 步）。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>No run is training</source>
        <translation>没有正在训练的运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Set up a run on the left and press Start training, or open a run from Runs to continue it.</source>
        <translation>在左侧设置一个运行并按“开始训练”，或从“运行记录”打开一个运行以继续训练。</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+15"/>
        <source>Add to queue</source>
        <translation>加入队列</translation>
    </message>
    <message>
        <location line="-14"/>
        <location line="+15"/>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&apos;{name}&apos; is shown for continuing: press Continue to queue it after the run training now.</source>
        <translation>已显示“{name}”以便继续训练：按“继续”可将其排在当前训练的运行之后。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>no evaluation yet</source>
        <translation>尚未评估</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Saved at step {step} after {duration} of training.</source>
        <translation>训练 {duration} 后保存于第 {step} 步。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&apos;{name}&apos; has no checkpoint to continue from.</source>
        <translation>“{name}”没有可用于继续训练的检查点。</translation>
    </message>
</context>
<context>
    <name>TranslatePage</name>
    <message>
        <location filename="../pages/translate.py" line="+26"/>
        <source>Type or paste text to translate</source>
        <translation>输入或粘贴要翻译的文本</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+196"/>
        <source>The translation appears here</source>
        <translation>译文会显示在这里</translation>
    </message>
    <message>
        <location line="-194"/>
        <source>Source</source>
        <translation>原文</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Translation</source>
        <translation>译文</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Alternatives (score: higher is more likely)</source>
        <translation>候选译文（得分越高越可能）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Attention (rows: translation, columns: source)</source>
        <translation>注意力（行：译文，列：原文）</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Beam size: 1 is greedy (fastest); more searches wider</source>
        <translation>束搜索宽度：1 为贪心搜索（最快）；越大搜索范围越广</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>How many alternatives to list (at most the beam size)</source>
        <translation>列出的候选译文数（不超过束搜索宽度）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Translator:</source>
        <translation>翻译模型：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Beam</source>
        <translation>束宽</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Alternatives</source>
        <translation>候选数</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Translate a file…</source>
        <translation>翻译文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One sentence per line in, one translation per line out</source>
        <translation>输入每行一句，输出每行一句译文</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>&apos;{name}&apos; is not a translator run in this workspace.</source>
        <translation>“{name}”不是此工作区中的翻译模型运行。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>No translator yet: train one on the Train page.</source>
        <translation>还没有翻译模型：请在“训练”页训练一个。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading the translator…</source>
        <translation>正在加载翻译模型…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>validation chrF</source>
        <translation>验证 chrF</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>validation BLEU</source>
        <translation>验证 BLEU</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+6"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>best checkpoint at step {step}, chosen by {score}</source>
        <translation>最佳检查点在第 {step} 步，依据{score}选出</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>translating on {mode}</source>
        <translation>翻译方式：{mode}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ready: {details}</source>
        <translation>就绪：{details}</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Choose a translator run first.</source>
        <translation>请先选择一个翻译模型运行。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Translating…</source>
        <translation>正在翻译…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>(the translation is empty)</source>
        <translation>（译文为空）</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>The attention is shown for texts of up to {chars} characters; this one is too long.</source>
        <translation>仅对不超过 {chars} 个字符的文本显示注意力；此文本过长。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Attention is shown for the best translation only.</source>
        <translation>仅显示最佳译文的注意力。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Text files</source>
        <translation>文本文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Translate a file (one sentence per line)</source>
        <translation>翻译文件（每行一句）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save the translation as</source>
        <translation>译文另存为</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Choose another file for the translation: it would overwrite the text being translated.</source>
        <translation>请为译文选择其他文件：否则会覆盖正在翻译的原文。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Translating {name}…</source>
        <translation>正在翻译 {name}…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{done} / {total} lines</source>
        <translation>{done} / {total} 行</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cancelled: nothing was written.</source>
        <translation>已取消：未写入任何内容。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Translated {count} lines into {path}.</source>
        <translation>已将 {count} 行译文写入 {path}。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>a file is being translated</source>
        <translation>正在翻译一个文件</translation>
    </message>
</context>
<context>
    <name>UnitGrid</name>
    <message>
        <location filename="../widgets/text_heatmap.py" line="+87"/>
        <source>showing the first {shown} of {total} positions</source>
        <translation>仅显示前 {shown}/{total} 个位置</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>{unit} at token {index}: {value}</source>
        <translation>{unit} 在词元 {index} 处：{value}</translation>
    </message>
</context>
</TS>
