// Host link (hand-written): the host MCU drives the generated block's event port over SPI
// with framed, CRC-checked, sequence-numbered commands. Generic over the spec: the event
// code, parameter and reason widths are parameters, set from the block's port widths.
//
//   host_link        the SPI slave and the frame layer wired together
//   host_spi_slave   SPI mode 0 slave, SCLK/CS_N/MOSI synchronised into the clk domain
//   host_frame       frame layer: length, CRC-16/CCITT-FALSE, fields, the sequence
//                    window, the event port handshake and the response register
//
// Command frame (MOSI, every multi-byte field most significant byte first, bits MSB first):
//   seq (1 byte) | code (CODE_BYTES) | params (PARAM_BYTES) | crc (2 bytes)
// crc = CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected, no final xor) of
// the bytes before it. Response frame (MISO, shifted out during the next transaction):
//   seq (1 byte) | status (1 byte) | reason (REASON_BYTES) | crc (2 bytes)
// status: 0 accepted, 1 rejected, 2 ignored (the block's resp_status), 3 bad CRC,
// 4 bad length, 5 busy, 6 bad field (padding bits above a field's width set), 7 replay
// (seq not newer than the last executed frame's; reason = that seq), 8 reset (no
// transaction since the power-on reset); 0x80 | s: duplicate, an exact retransmit of the
// last executed frame, s and reason being its stored response.
// docs/hardware.md ("Host link") has the rules and the SPI timing.
`default_nettype none

/* verilator lint_off DECLFILENAME */
module host_link #(
    parameter CODE_W = 8,    // the block's ev_code width
    parameter PARAM_W = 8,   // the block's ev_params width
    parameter REASON_W = 8   // the block's resp_reason width
) (
    input  wire clk,
    input  wire rst,
    // SPI pins (asynchronous to clk)
    input  wire spi_sclk,
    input  wire spi_cs_n,
    input  wire spi_mosi,
    output wire spi_miso,
    // the block's event port
    output wire ev_valid,
    input  wire ev_ready,
    output wire [CODE_W-1:0] ev_code,
    output wire [PARAM_W-1:0] ev_params,
    input  wire resp_valid,
    input  wire [1:0] resp_status,
    input  wire [REASON_W-1:0] resp_reason
);
    localparam TX_BITS = 8 * (4 + (REASON_W + 7) / 8);

    wire rx_start, rx_valid, rx_stop, rx_partial;
    wire [7:0] rx_byte;
    wire [TX_BITS-1:0] tx_frame;

    host_spi_slave #(.TX_BITS(TX_BITS)) u_spi (
        .clk(clk), .rst(rst),
        .sclk(spi_sclk), .cs_n(spi_cs_n), .mosi(spi_mosi), .miso(spi_miso),
        .tx_frame(tx_frame),
        .rx_start(rx_start), .rx_valid(rx_valid), .rx_byte(rx_byte),
        .rx_stop(rx_stop), .rx_partial(rx_partial)
    );

    host_frame #(.CODE_W(CODE_W), .PARAM_W(PARAM_W), .REASON_W(REASON_W)) u_frame (
        .clk(clk), .rst(rst),
        .rx_start(rx_start), .rx_valid(rx_valid), .rx_byte(rx_byte),
        .rx_stop(rx_stop), .rx_partial(rx_partial),
        .tx_frame(tx_frame),
        .ev_valid(ev_valid), .ev_ready(ev_ready), .ev_code(ev_code), .ev_params(ev_params),
        .resp_valid(resp_valid), .resp_status(resp_status), .resp_reason(resp_reason)
    );
endmodule


// SPI mode 0 (CPOL 0, CPHA 0), MSB first: the master changes MOSI on SCLK falling edges
// and samples MISO on rising edges; so does this slave, the other way round.
// SCLK, CS_N and MOSI pass two flops each, and SCLK and CS_N edges are detected against a
// third: an edge is acted on 2 to 3 clk cycles after the pin moves (one more if a flop
// goes metastable), and MISO changes one cycle after that, so within 4 cycles of a SCLK
// falling edge. Each SCLK half period must therefore be at least 5 clk cycles; the link is
// specified at SCLK <= clk / 12 (1 MHz at 12 MHz), half periods of 6 cycles.
// Outputs, one cycle each and never two in the same cycle: rx_start when CS_N falls (the
// response tx_frame is loaded then, and its bytes after the first are loaded again once
// the first byte is out: a response that becomes final during the first byte is sent
// final), rx_valid with each complete byte, rx_stop when CS_N rises (rx_partial: bits of
// an incomplete byte were clocked).
module host_spi_slave #(
    parameter TX_BITS = 32
) (
    input  wire clk,
    input  wire rst,
    input  wire sclk,
    input  wire cs_n,
    input  wire mosi,
    output wire miso,
    input  wire [TX_BITS-1:0] tx_frame,
    output reg  rx_start,
    output reg  rx_valid,
    output reg  [7:0] rx_byte,
    output reg  rx_stop,
    output reg  rx_partial
);
    reg [1:0] sclk_sync, cs_sync, mosi_sync;
    reg sclk_q, cs_q;  // the synchronised levels one cycle earlier: edge detection
    reg [2:0] bit_count;
    reg [6:0] rx_shift;
    reg [TX_BITS-1:0] tx_shift;
    reg tx_first;  // the first byte is being shifted out

    wire sclk_s = sclk_sync[1];
    wire cs_s = cs_sync[1];
    wire mosi_s = mosi_sync[1];
    wire selected = !cs_s;
    wire cs_fell = !cs_s && cs_q;
    wire cs_rose = cs_s && !cs_q;
    wire sclk_rose = sclk_s && !sclk_q;
    wire sclk_fell = !sclk_s && sclk_q;

    always @(posedge clk) begin
        sclk_sync <= {sclk_sync[0], sclk};
        cs_sync <= {cs_sync[0], cs_n};
        mosi_sync <= {mosi_sync[0], mosi};
        sclk_q <= sclk_s;
        cs_q <= cs_s;
        rx_start <= 1'b0;
        rx_valid <= 1'b0;
        rx_stop <= 1'b0;
        if (rst) begin
            cs_sync <= 2'b11;
            cs_q <= 1'b1;
            sclk_q <= 1'b0;
            bit_count <= 3'd0;
            rx_partial <= 1'b0;
            tx_shift <= {TX_BITS{1'b0}};
            tx_first <= 1'b0;
        end else if (cs_fell) begin
            rx_start <= 1'b1;
            bit_count <= 3'd0;
            tx_shift <= tx_frame;
            tx_first <= 1'b1;
        end else if (cs_rose) begin
            rx_stop <= 1'b1;
            rx_partial <= bit_count != 3'd0;
        end else if (selected) begin
            if (sclk_rose) begin
                rx_shift <= {rx_shift[5:0], mosi_s};
                bit_count <= bit_count + 3'd1;
                if (bit_count == 3'd7) begin
                    rx_valid <= 1'b1;
                    rx_byte <= {rx_shift, mosi_s};
                end
            end
            if (sclk_fell && tx_first && bit_count == 3'd0) begin  // 8 bits out
                tx_shift <= {tx_frame[TX_BITS-9:0], 8'd0};
                tx_first <= 1'b0;
            end else if (sclk_fell) begin
                tx_shift <= {tx_shift[TX_BITS-2:0], 1'b0};
            end
        end
    end

    assign miso = tx_shift[TX_BITS-1];
endmodule


// Frame layer. At the end of each transaction (rx_stop) the frame is judged, in this order:
//   bad length  not exactly FRAME_BYTES whole bytes
//   bad CRC     the CRC register over all FRAME_BYTES bytes is not 0 (the CRC of the
//               first bytes, appended MSB first, leaves a zero remainder)
//   bad field   padding bits above CODE_W or PARAM_W are set
//   busy        the previous fresh frame is still at the block (not yet answered)
//   duplicate   an exact retransmit of the last executed frame (its seq, code and
//               parameters): not executed again; the response is that frame's stored
//               one, with the duplicate flag
//   replay      seq is not newer than the last executed frame's: ahead = (seq - last
//               seq) mod 256 is 0 (same seq, other fields) or above WINDOW (an older
//               frame, or one too far ahead); not executed, reason = the last seq
//   fresh       no frame executed since reset, or 1 <= ahead <= WINDOW: executed,
//               ev_valid rises in the next cycle and stays until ev_ready
// So a sequence number executed once is never executed again while it lies within
// WINDOW behind the last executed one. Only a fresh frame raises ev_valid or changes the
// executed-frame memory (have_last, last_seq, and ev_code / ev_params, which hold the
// last executed frame's fields); every outcome sets the response register, which the
// next transaction shifts out. While a fresh frame is at the block the register reads
// busy; the block's response replaces that unless a later transaction has already
// replaced it.
module host_frame #(
    parameter CODE_W = 8,
    parameter PARAM_W = 8,
    parameter REASON_W = 8
) (
    input  wire clk,
    input  wire rst,
    input  wire rx_start,
    input  wire rx_valid,
    input  wire [7:0] rx_byte,
    input  wire rx_stop,
    input  wire rx_partial,
    output wire [8*(4+(REASON_W+7)/8)-1:0] tx_frame,
    output reg  ev_valid,
    input  wire ev_ready,
    output reg  [CODE_W-1:0] ev_code,
    output reg  [PARAM_W-1:0] ev_params,
    input  wire resp_valid,
    input  wire [1:0] resp_status,
    input  wire [REASON_W-1:0] resp_reason
);
    localparam CODE_BYTES = (CODE_W + 7) / 8;
    localparam PARAM_BYTES = (PARAM_W + 7) / 8;
    localparam HDR_BYTES = 1 + CODE_BYTES + PARAM_BYTES;  // seq, code, params
    localparam BODY_BYTES = HDR_BYTES - 1;
    localparam FRAME_BYTES = HDR_BYTES + 2;
    localparam REASON_BYTES = (REASON_W + 7) / 8;
    localparam RESP_HDR_BYTES = 2 + REASON_BYTES;          // seq, status, reason
    localparam COUNT_W = $clog2(FRAME_BYTES + 2);
    localparam COUNT_OVER = FRAME_BYTES + 1;  // the byte count saturates here: too long

    localparam [7:0] ST_BAD_CRC = 8'd3;
    localparam [7:0] ST_BAD_LENGTH = 8'd4;
    localparam [7:0] ST_BUSY = 8'd5;
    localparam [7:0] ST_BAD_FIELD = 8'd6;
    localparam [7:0] ST_REPLAY = 8'd7;
    localparam [7:0] ST_RESET = 8'd8;
    localparam [7:0] DUPLICATE = 8'h80;
    localparam [7:0] WINDOW = 8'd127;  // how far ahead of the last executed seq a fresh one may be

    // CRC-16/CCITT-FALSE register after one more byte (MSB first)
    function [15:0] crc16_byte;
        input [15:0] crc;
        input [7:0] data;
        integer i;
        reg [15:0] c;
        begin
            c = crc ^ {data, 8'h00};
            for (i = 0; i < 8; i = i + 1)
                c = c[15] ? {c[14:0], 1'b0} ^ 16'h1021 : {c[14:0], 1'b0};
            crc16_byte = c;
        end
    endfunction

    // ---------------------------------------------------------------- receiving
    reg [COUNT_W-1:0] rx_count;       // bytes of this transaction, saturating at COUNT_OVER
    reg [15:0] rx_crc;                // CRC register over every byte of this transaction
    reg [7:0] rx_seq;                 // the first byte (0 before it): the sequence number
    reg [8*BODY_BYTES-1:0] rx_body;   // the BODY_BYTES after it (code, params), the first on top

    wire [31:0] rx_bytes = {{(32-COUNT_W){1'b0}}, rx_count};  // compared with integers
    wire [8*CODE_BYTES-1:0] f_code = rx_body[8*BODY_BYTES-1 -: 8*CODE_BYTES];
    wire [8*PARAM_BYTES-1:0] f_params = rx_body[8*PARAM_BYTES-1:0];
    wire length_ok = rx_bytes == FRAME_BYTES && !rx_partial;
    wire crc_ok = rx_crc == 16'd0;
    wire fields_ok = (f_code >> CODE_W) == 0 && (f_params >> PARAM_W) == 0;

    always @(posedge clk) begin
        if (rst || rx_start) begin
            rx_count <= {COUNT_W{1'b0}};
            rx_crc <= 16'hFFFF;
            rx_seq <= 8'd0;
            rx_body <= {8*BODY_BYTES{1'b0}};
        end else if (rx_valid) begin
            if (rx_bytes != COUNT_OVER) rx_count <= rx_count + 1'b1;
            rx_crc <= crc16_byte(rx_crc, rx_byte);
            if (rx_bytes == 0) rx_seq <= rx_byte;
            else if (rx_bytes < HDR_BYTES) rx_body <= {rx_body[8*BODY_BYTES-9:0], rx_byte};
        end
    end

    // ---------------------------------------------------------------- executing
    reg pending;                      // a fresh frame is at the block, not yet answered
    reg have_last;                    // a frame was executed since reset
    reg [7:0] last_seq;               // the last executed frame: its sequence number
    reg [1:0] last_status;            // and the block's response to it
    reg [8*REASON_BYTES-1:0] last_reason;
    reg [7:0] r_seq, r_status;        // the response register
    reg [8*REASON_BYTES-1:0] r_reason;
    reg r_awaits_block;               // it reads busy for the pending frame

    wire [7:0] seq_ahead = rx_seq - last_seq;  // mod 256
    wire is_retransmit = have_last && seq_ahead == 8'd0 && f_code[CODE_W-1:0] == ev_code
                         && f_params[PARAM_W-1:0] == ev_params;
    wire is_fresh = !have_last || (seq_ahead != 8'd0 && seq_ahead <= WINDOW);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [8*REASON_BYTES+REASON_W-1:0] resp_reason_wide = {{8*REASON_BYTES{1'b0}}, resp_reason};
    wire [8*REASON_BYTES+7:0] last_seq_wide = {{8*REASON_BYTES{1'b0}}, last_seq};
    /* verilator lint_on UNUSEDSIGNAL */

    always @(posedge clk) begin
        if (rst) begin
            ev_valid <= 1'b0;
            pending <= 1'b0;
            have_last <= 1'b0;
            last_seq <= 8'd0;
            last_status <= 2'd0;
            last_reason <= {8*REASON_BYTES{1'b0}};
            r_seq <= 8'd0;              // status reset until the first transaction ends
            r_status <= ST_RESET;
            r_reason <= {8*REASON_BYTES{1'b0}};
            r_awaits_block <= 1'b0;
        end else begin
            if (ev_valid && ev_ready) ev_valid <= 1'b0;
            if (resp_valid && pending && !ev_valid) begin
                pending <= 1'b0;
                last_status <= resp_status;
                last_reason <= resp_reason_wide[8*REASON_BYTES-1:0];
                if (r_awaits_block) begin
                    r_status <= {6'd0, resp_status};
                    r_reason <= resp_reason_wide[8*REASON_BYTES-1:0];
                    r_awaits_block <= 1'b0;
                end
            end
            if (rx_stop) begin  // after the block's response: the newer transaction wins
                r_seq <= rx_seq;
                r_reason <= {8*REASON_BYTES{1'b0}};
                r_awaits_block <= 1'b0;
                if (!length_ok) r_status <= ST_BAD_LENGTH;
                else if (!crc_ok) r_status <= ST_BAD_CRC;
                else if (!fields_ok) r_status <= ST_BAD_FIELD;
                else if (pending) r_status <= ST_BUSY;
                else if (is_retransmit) begin
                    r_status <= DUPLICATE | {6'd0, last_status};
                    r_reason <= last_reason;
                end else if (!is_fresh) begin
                    r_status <= ST_REPLAY;
                    r_reason <= last_seq_wide[8*REASON_BYTES-1:0];
                end else begin
                    r_status <= ST_BUSY;
                    r_awaits_block <= 1'b1;
                    ev_valid <= 1'b1;
                    ev_code <= f_code[CODE_W-1:0];
                    ev_params <= f_params[PARAM_W-1:0];
                    pending <= 1'b1;
                    have_last <= 1'b1;
                    last_seq <= rx_seq;
                end
            end
        end
    end

    // ---------------------------------------------------------------- the response frame
    localparam RESP_HDR_W = 8 * RESP_HDR_BYTES;

    function [15:0] crc16_resp;  // of the response's header bytes
        input [RESP_HDR_W-1:0] hdr;
        integer k;
        reg [15:0] c;
        begin
            c = 16'hFFFF;
            for (k = 0; k < RESP_HDR_BYTES; k = k + 1)
                c = crc16_byte(c, hdr[RESP_HDR_W-1-8*k -: 8]);
            crc16_resp = c;
        end
    endfunction

    wire [RESP_HDR_W-1:0] r_hdr = {r_seq, r_status, r_reason};
    assign tx_frame = {r_hdr, crc16_resp(r_hdr)};

`ifdef FORMAL
    // ------------------------------------------------------------ proof (SymbiYosys)
    // The frame layer alone; its inputs are free but for the SPI slave's contract (one
    // signal per cycle) and the block's (one response some cycles after each handshake,
    // no other handshake before it). A shadow reads each transaction independently: the
    // header bytes, the CRC of the header computed bit by bit (the textbook definition,
    // not the design's byte step) and the two bytes after the header.
    //   f_crc_gate   ev_valid rises only in the cycle after a transaction of exactly
    //                FRAME_BYTES whole bytes whose last two bytes are the CRC of the
    //                others, and carries that frame's code and parameters;
    //   f_frozen     any other transaction (a CRC failure among them) changes nothing
    //                but the response register: ev_valid and pending do not rise, the
    //                event lines and the executed-frame memory (have_last, last_seq) keep
    //                their values; the stored response changes only with the block's;
    //   f_hold       once raised, ev_valid and the event stay until ev_ready;
    //   f_replay     for any sequence number g (f_g, a free constant) raised since the
    //                last power-on reset: g is not raised again while it lies within
    //                WINDOW behind the last raised one L, i.e. (L - g) mod 256 <= WINDOW.
    //                With g = L: an exact retransmit never executes twice; a replay
    //                A, B, A never executes A again.
    // The f_inv_* assertions are the inductive invariants that tie the design to the shadow.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (rst);
    always @(*) assume (!(rx_start && rx_valid) && !(rx_start && rx_stop) && !(rx_valid && rx_stop));
    wire f_handshake = ev_valid && ev_ready && !rst;
    // the block answers each event once, some cycles after taking it, and takes no other
    // event meanwhile (its commit latency is the spec's: any number of cycles here)
    reg f_waiting = 1'b0;
    always @(posedge clk)
        if (rst) f_waiting <= 1'b0;
        else if (f_handshake) f_waiting <= 1'b1;
        else if (resp_valid) f_waiting <= 1'b0;
    always @(*) assume (!resp_valid || (f_waiting && !rst));
    always @(*) assume (!(f_waiting && ev_ready));

    function [15:0] f_crc_bits;
        input [15:0] crc;
        input [7:0] data;
        integer i;
        reg [15:0] c;
        begin
            c = crc;
            for (i = 7; i >= 0; i = i - 1)
                c = {c[14:0], 1'b0} ^ ((c[15] ^ data[i]) ? 16'h1021 : 16'h0000);
            f_crc_bits = c;
        end
    endfunction

    reg [7:0] f_n;                   // bytes of this transaction, saturating
    reg [15:0] f_hdr_crc;            // CRC of the header bytes received so far
    reg [8*HDR_BYTES-1:0] f_hdr;
    reg [15:0] f_tail;               // the bytes after the header
    always @(posedge clk) begin
        if (rst || rx_start) begin
            f_n <= 8'd0;
            f_hdr_crc <= 16'hFFFF;
            f_hdr <= {8*HDR_BYTES{1'b0}};
            f_tail <= 16'd0;
        end else if (rx_valid) begin
            if (f_n != COUNT_OVER) f_n <= f_n + 8'd1;
            if (f_n < HDR_BYTES) begin
                f_hdr_crc <= f_crc_bits(f_hdr_crc, rx_byte);
                f_hdr <= {f_hdr[8*HDR_BYTES-9:0], rx_byte};
            end else if (f_n < FRAME_BYTES) begin
                f_tail <= {f_tail[7:0], rx_byte};
            end
        end
    end
    wire f_frame_good = f_n == FRAME_BYTES && !rx_partial && f_tail == f_hdr_crc;
    wire [7:0] f_frame_seq = f_hdr[8*HDR_BYTES-1 -: 8];
    wire [8*HDR_BYTES-1:0] f_first_down = f_hdr >> (8 * (f_n - 8'd1));
    wire [7:0] f_first = f_first_down[7:0];  // the first byte, while the header is incomplete
    wire [8*HDR_BYTES-1:0] f_body_seen = f_n >= HDR_BYTES ? f_hdr   // the bytes after it
        : f_n == 8'd0 ? {8*HDR_BYTES{1'b0}} : f_hdr & ~({8*HDR_BYTES{1'b1}} << (8 * (f_n - 8'd1)));
    wire [8*CODE_BYTES-1:0] f_frame_code = f_hdr[8*(CODE_BYTES+PARAM_BYTES)-1 -: 8*CODE_BYTES];
    wire [8*PARAM_BYTES-1:0] f_frame_params = f_hdr[8*PARAM_BYTES-1:0];

    reg f_valid_q = 1'b0;            // ev_valid one cycle earlier
    reg [7:0] f_stop_seq;            // f_frame_seq one cycle earlier
    reg f_raised;                    // an event was raised since reset, before this cycle
    reg [7:0] f_ev_seq;              // the sequence number of the last raised event
    (* anyconst *) reg [7:0] f_g;    // any sequence number
    reg f_g_raised;                  // an event with it was raised since reset, ditto
    wire f_rose = ev_valid && !f_valid_q;
    wire [7:0] f_cur_seq = f_rose ? f_stop_seq : f_ev_seq;  // ... this cycle included
    wire [7:0] f_g_behind = f_ev_seq - f_g;  // mod 256: how far g lies behind it
    always @(posedge clk) begin
        f_valid_q <= ev_valid;
        f_stop_seq <= f_frame_seq;
        if (f_rose) f_ev_seq <= f_stop_seq;
        if (rst) begin
            f_raised <= 1'b0;
            f_g_raised <= 1'b0;
        end else if (f_rose) begin
            f_raised <= 1'b1;
            if (f_stop_seq == f_g) f_g_raised <= 1'b1;
        end
    end

    always @(posedge clk) begin
        if (f_past_valid && !$past(rst)) begin
            if (f_rose) begin
                f_crc_gate: assert ($past(rx_stop) && $past(f_frame_good)
                                    && ev_code == $past(f_frame_code[CODE_W-1:0])
                                    && ev_params == $past(f_frame_params[PARAM_W-1:0]));
            end
            if (!$past(rx_stop && f_frame_good))
                f_frozen: assert ((!ev_valid || $past(ev_valid)) && (!pending || $past(pending))
                                  && have_last == $past(have_last) && last_seq == $past(last_seq)
                                  && ev_code == $past(ev_code) && ev_params == $past(ev_params)
                                  && ($past(resp_valid) || (last_status == $past(last_status)
                                                            && last_reason == $past(last_reason))));
            if ($past(ev_valid && !ev_ready))
                f_hold: assert (ev_valid && ev_code == $past(ev_code)
                                && ev_params == $past(ev_params) && last_seq == $past(last_seq));
            if (f_rose && f_g_raised && f_stop_seq == f_g)
                f_replay: assert (f_g_behind > WINDOW);
        end
    end

    always @(*) begin
        if (f_past_valid) begin
            f_inv_count: assert (f_n == rx_bytes[7:0] && f_n <= COUNT_OVER);
            f_inv_body: assert (rx_body == f_body_seen[8*BODY_BYTES-1:0]);
            if (f_n == 0) f_inv_seq0: assert (rx_seq == 8'd0);
            if (f_n != 0 && f_n <= HDR_BYTES) f_inv_seq: assert (rx_seq == f_first);
            if (f_n >= HDR_BYTES) f_inv_seqh: assert (rx_seq == f_frame_seq);
            if (f_n <= HDR_BYTES) f_inv_crc0: assert (rx_crc == f_hdr_crc);
            if (f_n == HDR_BYTES + 1) f_inv_crc1: assert (rx_crc == crc16_byte(f_hdr_crc, f_tail[7:0]));
            if (f_n == HDR_BYTES + 2)
                f_inv_crc2: assert (rx_crc == crc16_byte(crc16_byte(f_hdr_crc, f_tail[15:8]), f_tail[7:0]));
            if (ev_valid) f_inv_valid: assert (pending && have_last);
            f_inv_last: assert (have_last == (f_raised || f_rose)
                                && (!have_last || last_seq == f_cur_seq));
            if (f_g_raised) f_inv_g: assert (f_raised);
        end
    end
`endif
endmodule
/* verilator lint_on DECLFILENAME */
`default_nettype wire
