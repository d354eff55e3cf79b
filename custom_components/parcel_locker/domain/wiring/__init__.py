"""Where each compartment's points live on the Modbus link."""
