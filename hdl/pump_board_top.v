// Board top level around the generated block (hand-written; iCE40 board, 12 MHz clock).
// Inputs from the outside world are synchronised (two flops); the push-button reset is
// active low, asserted asynchronously and released synchronously; the stepper driver's
// enable is active low; DIR is tied to forward: the spec has no reverse drive (PS-43 is
// enforced by the state machine, which refuses rewind while connected).
// The host MCU sends events over SPI (mode 0, SCLK <= 1 MHz: hdl/host_link.v); only a
// complete, CRC-checked, fresh command frame reaches the block's event port.
`default_nettype none
module pump_board_top (
    input  wire        CLK_12M,
    input  wire        RST_N,          // push button / supervisor, active low
    // SPI from the host controller (the FPGA is the slave; MISO is always driven)
    input  wire        SPI_SCLK,
    input  wire        SPI_CS_N,
    input  wire        SPI_MOSI,
    output wire        SPI_MISO,
    input  wire        HEARTBEAT,      // host watchdog kick (PS-42)
    input  wire        OCCLUSION_N,    // occlusion / driver fault, active low
    // stepper driver
    output wire        DRV_STEP,
    output wire        DRV_DIR,
    output wire        DRV_EN_N,
    // status
    output wire        LED_FAULT,
    output wire        LED_TICK
);
    // reset: asynchronous assert, synchronous release
    reg [1:0] rst_sync;
    always @(posedge CLK_12M or negedge RST_N)
        if (!RST_N) rst_sync <= 2'b11;
        else rst_sync <= {rst_sync[0], 1'b0};
    wire rst = rst_sync[1];

    // two-flop synchronisers; the heartbeat counts on its rising edge
    reg [2:0] hb_sync;
    reg [1:0] occ_sync;
    always @(posedge CLK_12M) begin
        hb_sync <= {hb_sync[1:0], HEARTBEAT};
        occ_sync <= {occ_sync[0], !OCCLUSION_N};
    end
    wire heartbeat = hb_sync[1] && !hb_sync[2];

    // the block's event port: widths of its ev_code, ev_params and resp_reason
    localparam CODE_W = 5;
    localparam PARAM_W = 14;
    localparam REASON_W = 6;
    wire ev_valid, ev_ready, resp_valid;
    wire [CODE_W-1:0] ev_code;
    wire [PARAM_W-1:0] ev_params;
    wire [1:0] resp_status;
    wire [REASON_W-1:0] resp_reason;

    host_link #(.CODE_W(CODE_W), .PARAM_W(PARAM_W), .REASON_W(REASON_W)) u_link (
        .clk(CLK_12M), .rst(rst),
        .spi_sclk(SPI_SCLK), .spi_cs_n(SPI_CS_N), .spi_mosi(SPI_MOSI), .spi_miso(SPI_MISO),
        .ev_valid(ev_valid), .ev_ready(ev_ready), .ev_code(ev_code), .ev_params(ev_params),
        .resp_valid(resp_valid), .resp_status(resp_status), .resp_reason(resp_reason)
    );

    wire step, motor_en, tick;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [3:0] fault_cause;  // for a debug header; the LED shows any fault
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off PINCONNECTEMPTY */
    infusion_pump u_pump (
        .clk(CLK_12M), .rst(rst),
        .ev_valid(ev_valid), .ev_ready(ev_ready), .ev_code(ev_code), .ev_params(ev_params),
        .resp_valid(resp_valid), .resp_status(resp_status), .resp_reason(resp_reason),
        .heartbeat(heartbeat), .fault_in(occ_sync[1]),
        .tick(tick), .step(step), .motor_en(motor_en), .fault(LED_FAULT),
        .fault_cause(fault_cause), .state()
    );
    /* verilator lint_on PINCONNECTEMPTY */

    assign DRV_STEP = step;
    assign DRV_DIR = 1'b0;
    assign DRV_EN_N = !motor_en;
    assign LED_TICK = tick;
endmodule
`default_nettype wire
