/**
 * Message contracts for the components: a queue or topic is tagged with the contract it carries.
 * The contracts and their validator live in the @acme/contracts workspace package, which the
 * services use too, so infrastructure and code validate with the same schemas and the same code.
 */
export {
  listMessageContracts,
  MESSAGE_CONTRACTS_DIR,
  messageContract,
  validateMessage,
  type MessageContract,
  type MessageError,
} from "../../contracts";
