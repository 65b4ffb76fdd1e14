/**
 * Types for asl-validator 4.0.0, which ships none: `module.exports = function validator(definition,
 * opts)` in dist/src/validator.js, returning the JSON-schema and state-graph errors.
 */
declare module "asl-validator" {
  interface AslValidationError {
    message: string;
  }
  interface AslValidationResult {
    isValid: boolean;
    errors: AslValidationError[];
    errorsText(separator?: string): string;
  }
  function aslValidator(
    definition: unknown,
    opts?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidationResult;
  export = aslValidator;
}
