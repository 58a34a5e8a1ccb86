// Board top level around the generated block (hand-written; iCE40 board, 12 MHz clock).
// Inputs from the outside world are synchronised (two flops); the push-button reset is
// active low, asserted asynchronously and released synchronously; the stepper driver's
// enable is active low; DIR is tied to forward: the spec has no reverse drive (PS-43 is
// enforced by the state machine, which refuses rewind while connected).
`default_nettype none
module pump_board_top (
    input  wire        CLK_12M,
    input  wire        RST_N,          // push button / supervisor, active low
    // event port from the host controller (parallel bus)
    input  wire        EV_VALID,
    output wire        EV_READY,
    input  wire [4:0]  EV_CODE,
    input  wire [13:0] EV_PARAMS,
    output wire        RESP_VALID,
    output wire [1:0]  RESP_STATUS,
    output wire [5:0]  RESP_REASON,
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

    wire step, motor_en, tick;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [3:0] fault_cause;  // for a debug header; the LED shows any fault
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off PINCONNECTEMPTY */
    infusion_pump u_pump (
        .clk(CLK_12M), .rst(rst),
        .ev_valid(EV_VALID), .ev_ready(EV_READY), .ev_code(EV_CODE), .ev_params(EV_PARAMS),
        .resp_valid(RESP_VALID), .resp_status(RESP_STATUS), .resp_reason(RESP_REASON),
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
